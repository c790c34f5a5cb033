// Starts GOV.UK Frontend and MoJ Frontend components. Loaded as a module file:
// the Content-Security-Policy allows no inline script.
import { initAll } from '../govuk/govuk-frontend.min.js'

initAll()
