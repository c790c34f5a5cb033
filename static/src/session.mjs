// The warning before the idle limit, and drafts of long forms that survive it.
//
// The server signs people out after the idle limit whatever happens here
// (emarac/auth/sessions.py). This module warns two minutes before, in a modal
// <dialog> (focus moves into it, it is announced by its title and text, Tab
// stays inside, Escape means "Stay signed in"). "Stay signed in" POSTs to the
// server (with the CSRF token), which renews the session. "Sign out" uses the
// page's own sign-out form.
//
// Before asking, it checks the session's time left with the server (which
// does not count as activity): another tab may have renewed it.
//
// A form marked data-app-draft is copied, as it is filled in, into this
// tab's sessionStorage (never to the server, and never the CSRF token). If
// the session ends, the copy comes back when the same person opens the same
// page again. It is deleted when the form is sent, when anyone signs out from
// the page, and when someone else signs in in this tab.
const dialog = document.querySelector('[data-module="app-session-timeout"]')
const DRAFTS = 'emarac-draft:'

function draftKey (user) {
  return `${DRAFTS}${user}:${window.location.pathname}`
}

function forgetDrafts (keep) {
  for (let i = window.sessionStorage.length - 1; i >= 0; i--) {
    const key = window.sessionStorage.key(i)
    if (key.startsWith(DRAFTS) && !(keep && key.startsWith(`${DRAFTS}${keep}:`))) {
      window.sessionStorage.removeItem(key)
    }
  }
}

function fieldsOf (form) {
  return [...form.elements].filter((field) => field.name && field.name !== 'csrf_token' &&
    !['submit', 'button', 'hidden', 'password', 'file'].includes(field.type))
}

function snapshot (form) {
  const values = {}
  for (const field of fieldsOf(form)) {
    if (field.type === 'radio' || field.type === 'checkbox') {
      if (field.checked) (values[field.name] ||= []).push(field.value)
    } else if (field.value) {
      values[field.name] = field.value
    }
  }
  return values
}

function restore (form, values) {
  for (const field of fieldsOf(form)) {
    const value = values[field.name]
    if (field.type === 'radio' || field.type === 'checkbox') {
      field.checked = Array.isArray(value) && value.includes(field.value)
    } else if (typeof value === 'string') {
      field.value = value
    }
  }
  form.dispatchEvent(new Event('change', { bubbles: true })) // live counts follow
}

function startDrafts (user, session) {
  const form = document.querySelector('form[data-app-draft]')
  if (!form) return
  const key = draftKey(user)
  // A page shown again with errors holds what was sent; it wins over a copy.
  const refused = document.querySelector('.govuk-error-summary')
  const saved = window.sessionStorage.getItem(key)
  if (saved && !refused) {
    restore(form, JSON.parse(saved))
    const notice = document.querySelector('[data-draft-restored]')
    if (notice) notice.hidden = false
  }
  const keep = () => window.sessionStorage.setItem(key, JSON.stringify(snapshot(form)))
  form.addEventListener('input', keep)
  form.addEventListener('change', keep)
  form.addEventListener('submit', (event) => {
    if (session.expired()) {
      // Too late to send: the server would refuse it. Keep the copy and sign in again.
      event.preventDefault()
      keep()
      session.expire()
      return
    }
    window.sessionStorage.removeItem(key)
  })
  const note = dialog.querySelector('[data-draft-note]')
  if (note) note.hidden = false
}

function words (seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60)
    return `${minutes} minute${minutes === 1 ? '' : 's'}`
  }
  const rounded = Math.max(0, Math.ceil(seconds))
  return `${rounded} second${rounded === 1 ? '' : 's'}`
}

function startTimeout () {
  const idle = Number(dialog.dataset.idleSeconds) * 1000
  const warnBefore = Math.min(Number(dialog.dataset.warnSeconds) * 1000, idle / 2)
  const countdown = dialog.querySelector('[data-countdown]')
  const signOutForm = document.querySelector('form[data-app-sign-out]')
  let deadline = Date.now() + idle
  let returnFocus = null
  let ticking = null
  let leaving = false

  async function status (method, url) {
    const headers = { Accept: 'application/json' }
    if (method === 'POST') headers['X-CSRFToken'] = dialog.dataset.csrfToken
    try {
      const response = await window.fetch(url, { method, headers, credentials: 'same-origin', redirect: 'manual' })
      if (!response.ok) return { signed_in: false, seconds_left: 0 }
      return await response.json()
    } catch {
      return null // the network, not the session: decide by our own clock
    }
  }

  function show () {
    if (dialog.open) return
    returnFocus = document.activeElement
    countdown.textContent = words((deadline - Date.now()) / 1000)
    dialog.showModal() // focus moves to the first button: "Stay signed in"
  }

  function hide () {
    if (!dialog.open) return
    dialog.close()
    if (returnFocus && typeof returnFocus.focus === 'function') returnFocus.focus()
  }

  async function expire () {
    if (leaving) return
    leaving = true
    // Asking lets the server end the session and say why on the sign-in page.
    // Our clock may run a moment ahead of the server's: then wait a little more.
    const answer = await status('GET', dialog.dataset.statusUrl)
    if (answer && answer.signed_in) {
      deadline = Date.now() + (answer.seconds_left + 1) * 1000
      leaving = false
      return
    }
    const back = window.location.pathname + window.location.search
    window.location.assign(`${dialog.dataset.signInUrl}?next=${encodeURIComponent(back)}`)
  }

  async function check () {
    if (leaving) return
    const now = Date.now()
    if (now < deadline - warnBefore) {
      if (dialog.open) hide()
      return
    }
    const answer = now >= deadline ? null : await status('GET', dialog.dataset.statusUrl)
    if (answer && answer.signed_in && answer.seconds_left * 1000 > warnBefore + 5000) {
      deadline = Date.now() + answer.seconds_left * 1000 // renewed in another tab
      hide()
      return
    }
    if (answer && answer.signed_in) deadline = Date.now() + answer.seconds_left * 1000
    if ((answer && !answer.signed_in) || Date.now() >= deadline) {
      expire()
      return
    }
    show()
    // The text changes only every 15 seconds so that it is not read out on every tick.
    countdown.textContent = words(Math.ceil((deadline - Date.now()) / 15000) * 15)
  }

  async function stay () {
    const answer = await status('POST', dialog.dataset.renewUrl)
    if (answer && answer.signed_in) {
      deadline = Date.now() + Math.min(idle, answer.seconds_left * 1000)
      hide()
    } else {
      expire()
    }
  }

  dialog.querySelector('[data-action="stay"]').addEventListener('click', stay)
  dialog.querySelector('[data-action="sign-out"]').addEventListener('click', () => {
    leaving = true
    signOutForm.requestSubmit()
  })
  dialog.addEventListener('cancel', (event) => { // Escape
    event.preventDefault()
    stay()
  })
  signOutForm.addEventListener('submit', () => forgetDrafts(null))
  // A timer can fall asleep with the computer: check the clock every few seconds too.
  ticking = window.setInterval(check, 5000)
  window.addEventListener('focus', check)
  document.addEventListener('visibilitychange', check)
  return {
    expired: () => Date.now() >= deadline,
    expire,
    stop: () => window.clearInterval(ticking)
  }
}

if (dialog) {
  const user = dialog.dataset.user
  forgetDrafts(user) // drafts of someone else who used this tab
  const session = startTimeout()
  startDrafts(user, session)
}
