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
