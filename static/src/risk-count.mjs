// Keeps the "Yes answers so far" count up to date as the checklist is filled in.
// Progressive enhancement: the server counts too, so the page works without it.
const output = document.getElementById('yes-count')
const core = document.querySelector('[data-risk-core]')

function update () {
  output.textContent = String(core.querySelectorAll('input[type="radio"][value="yes"]:checked').length)
}

if (output && core) {
  core.addEventListener('change', update)
  update()
}
