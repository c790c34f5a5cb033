// Keeps the checklist's two counts up to date as it is filled in: "yes" answers
// in the main checklist, and questions still to answer (every main question,
// and the rest of any optional section begun; the same rule as risk/rules.py).
// Progressive enhancement: the server counts too, so the page works without it.
const yesOutput = document.getElementById('yes-count')
const leftOutput = document.getElementById('unanswered-count')
const sections = document.querySelectorAll('[data-risk-section]')

function questions (section) {
  const names = new Set()
  for (const radio of section.querySelectorAll('input[type="radio"][name^="q_"]')) names.add(radio.name)
  return [...names].map((name) => section.querySelector(`input[name="${name}"]:checked`))
}

function update () {
  let yes = 0
  let left = 0
  for (const section of sections) {
    const answers = questions(section)
    const core = section.dataset.riskSection === 'core'
    const begun = answers.some(Boolean)
    if (core) yes += answers.filter((checked) => checked && checked.value === 'yes').length
    if (core || begun) left += answers.filter((checked) => !checked).length
  }
  yesOutput.textContent = String(yes)
  if (leftOutput) leftOutput.textContent = String(left)
}

if (yesOutput && sections.length) {
  for (const section of sections) section.addEventListener('change', update)
  update()
}
