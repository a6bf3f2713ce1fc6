// SPDX-License-Identifier: Apache-2.0
// The lab guide in the browser: log in, then a student's labs (lab.js) or the
// trainer's live class grid (class.js). Plain DOM, ES modules, no build step.
import { renderStudentHome, renderLab } from './lab.js'
import { renderTrainerHome, stopGrid } from './class.js'
import { api, busy, el, onSessionEnd, show } from './dom.js'

const nav = document.getElementById('nav')
let me = null

onSessionEnd(() => {
  const was = me
  me = null
  renderLogin(was ? 'Your session ended: log in again.' : '')
})

function renderNav() {
  const parts = []
  if (me) {
    parts.push(el('a', { href: me.dashboard, target: '_blank', rel: 'noopener noreferrer', id: 'dashboard-link' }, 'Dashboard'))
    parts.push(el('span', { id: 'who' }, me.user))
    parts.push(el('button', { class: 'plain', id: 'logout', onclick: logout }, 'Log out'))
  }
  nav.replaceChildren(...parts)
}

async function logout() {
  await api('POST', '/api/logout', {}).catch(() => undefined)
  me = null
  location.hash = '#/'
  renderLogin()
}

function renderLogin(message) {
  stopGrid()
  renderNav()
  const error = el('p', { class: 'error', id: 'login-error', role: 'alert' }, message || '')
  const user = el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true })
  const pass = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })
  const submit = el('button', { type: 'submit', id: 'login' }, 'Log in')
  const form = el(
    'form',
    { class: 'login card' },
    el('h1', {}, 'Log in'),
    el('p', { class: 'quiet' }, 'With the user name and password from your credentials sheet.'),
    el('label', { for: 'username' }, 'User name'),
    user,
    el('label', { for: 'password' }, 'Password'),
    pass,
    el('div', { class: 'actions' }, submit),
    error,
  )
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    busy(submit, error, async () => {
      me = await api('POST', '/api/login', { username: user.value, password: pass.value })
      route()
    })
  })
  show(form)
  user.focus()
}

async function route() {
  if (!me) {
    try {
      me = await api('GET', '/api/me')
    } catch {
      return
    }
  }
  renderNav()
  const [, kind, a, b] = location.hash.split('/').map(decodeURIComponent)
  if (me.role === 'trainer') return renderTrainerHome(me, kind === 'class' ? a : undefined, kind === 'class' ? b : undefined)
  stopGrid()
  if (kind === 'lab' && a) return renderLab(a)
  me = await api('GET', '/api/me')
  renderStudentHome(me)
}

window.addEventListener('hashchange', route)
route()
