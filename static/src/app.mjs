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
