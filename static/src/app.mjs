// Starts GOV.UK Frontend and MoJ Frontend. Loaded as a module file because the
// Content-Security-Policy allows no inline script.
//
// The GOV.UK page template normally adds these body classes with an inline
// script (emarac/templating.py removes it). A browser that runs this module
// supports ES modules, which is exactly what `govuk-frontend-supported` means.
import { initAll as initGovuk } from '../govuk/govuk-frontend.min.js'
import { initAll as initMoj } from '../moj/moj-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initGovuk()
initMoj()

// "Print" buttons on print-friendly pages.
for (const button of document.querySelectorAll('[data-module="app-print"]')) {
  button.addEventListener('click', () => window.print())
}

// Conference mode: the left and right arrow keys move between agenda cases,
// unless the chair is typing in a field.
const agenda = document.querySelector('[data-module="app-agenda-keys"]')
if (agenda) {
  document.addEventListener('keydown', (event) => {
    const typing = event.target.closest('input, textarea, select, [contenteditable]')
    if (typing || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return
    if (document.querySelector('dialog[open]')) return // the timeout warning has the keyboard
    const rel = { ArrowLeft: 'prev', ArrowRight: 'next' }[event.key]
    const link = rel && agenda.querySelector(`a[rel="${rel}"]`)
    if (link) {
      event.preventDefault()
      link.click()
    }
  })
}

// Conference mode: what the chair types for the decision is kept on the server
// as they type (a draft), before the pager or the arrow keys move to another
// case, and a warning stops the page being left while a save is outstanding.
// Without JavaScript the form's "Save draft" and "Add action" buttons keep it.
const draftForm = document.querySelector('form[data-module="app-conference-draft"]')
if (draftForm) {
  const status = draftForm.querySelector('[data-draft-status]')
  const fields = ['discussion', 'agreed_risk']
  let dirty = false
  let timer = null
  let saving = Promise.resolve()

  const save = () => {
    clearTimeout(timer)
    if (!dirty) return saving
    dirty = false
    const body = new FormData()
    body.append('csrf_token', draftForm.querySelector('[name="csrf_token"]').value)
    for (const name of fields) {
      const checked = draftForm.querySelector(`[name="${name}"]:checked`)
      const field = checked || draftForm.querySelector(`textarea[name="${name}"]`)
      if (field) body.append(name, field.value)
    }
    saving = fetch(draftForm.dataset.draftUrl, {
      method: 'POST', body, credentials: 'same-origin', headers: { Accept: 'application/json' }
    }).then((response) => {
      if (!response.ok) throw new Error(String(response.status))
      const now = new Date()
      const time = now.toTimeString().slice(0, 5)
      if (status) status.textContent = `Draft kept at ${time}: it is not the meeting's decision until you save the case.`
    }).catch(() => {
      dirty = true
      if (status) status.textContent = 'Your draft could not be kept. Use "Save draft" before leaving this case.'
    })
    return saving
  }

  draftForm.addEventListener('input', (event) => {
    if (!fields.includes(event.target.name)) return
    dirty = true
    clearTimeout(timer)
    timer = setTimeout(save, 800)
  })
  draftForm.addEventListener('submit', () => { dirty = false; clearTimeout(timer) })

  // Moving to another case waits for the draft to be kept.
  for (const link of document.querySelectorAll('[data-module="app-agenda-keys"] a')) {
    link.addEventListener('click', (event) => {
      if (!dirty) return
      event.preventDefault()
      save().then(() => { if (!dirty) window.location.assign(link.href) })
    })
  }
  window.addEventListener('beforeunload', (event) => {
    if (dirty) {
      save()
      event.preventDefault()
      event.returnValue = ''
    }
  })
}
