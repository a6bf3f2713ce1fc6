// SPDX-License-Identifier: Apache-2.0
// The lab guide in the browser: log in, a student's labs, one lab (text, Check,
// Hint, progress), and the trainer's live class grid. Plain DOM; text from the
// cloud (check messages, names) always goes in as text, never as HTML. The only
// HTML set is the step text, which the server rendered from Markdown with raw
// HTML turned off.

const app = document.getElementById('app')
const nav = document.getElementById('nav')
let me = null
let gridTimer = null

/** An element with attributes (on* are listeners) and children (strings become text). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v)
    else if (k === 'class') e.className = v
    else e.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c))
  return e
}

function show(...nodes) {
  app.replaceChildren(...nodes)
}

class ApiError extends Error {
  constructor(status, body) {
    super(body.error || `the guide answered ${status}`)
    this.status = status
    this.fix = body.fix
  }
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const data = await res.json().catch(() => ({}))
  if (res.status === 401 && path !== '/api/login') {
    const was = me
    me = null
    renderLogin(was ? 'Your session ended: log in again.' : '')
  }
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

function errorText(e) {
  return e.fix ? `${e.message} (${e.fix})` : e.message
}

/** Run an action with its button disabled and its error shown in `out`. */
async function busy(button, out, fn) {
  button.disabled = true
  try {
    await fn()
  } catch (e) {
    out.className = 'result error'
    out.textContent = errorText(e)
  } finally {
    button.disabled = false
  }
}

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

function progressBar(done, of) {
  const pct = of ? Math.round((done / of) * 100) : 0
  const fill = el('span')
  // CSSOM, not a style attribute: the page's CSP allows no inline style.
  fill.style.width = `${pct}%`
  return el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': of, 'aria-valuenow': done }, fill)
}

function renderStudentHome() {
  const cards = me.labs.map((l) =>
    el(
      'a',
      { href: `#/lab/${encodeURIComponent(l.id)}`, class: 'card', 'data-lab': l.id },
      el('h2', {}, l.title),
      el('p', { class: 'quiet' }, l.summary),
      progressBar(l.done, l.steps),
      el('p', { class: 'quiet' }, `${l.done} of ${l.steps} steps · about ${l.minutes} min${l.started ? '' : ' · not started'}`),
      l.exclusive ? el('p', { class: 'quiet' }, 'One student at a time: your trainer starts it for you.') : null,
    ),
  )
  show(el('h1', {}, 'Your labs'), el('div', { class: 'labs' }, cards))
}

const marks = { pass: '✔', fail: '✖', waiting: '…', error: '!' }

function stepMark(s) {
  if (s.done) return el('span', { class: 'mark pass' }, s.solved ? '◐' : '✔')
  if (s.last) return el('span', { class: `mark ${s.last.result}` }, marks[s.last.result] || '')
  return el('span', { class: 'mark' }, '')
}

async function renderLab(id, selected) {
  let view
  try {
    view = await api('GET', `/api/labs/${encodeURIComponent(id)}`)
  } catch (e) {
    if (e.status !== 401) show(el('p', { class: 'error' }, errorText(e)))
    return
  }
  drawLab(view, selected ?? view.current)
}

/** "12 min left" or "Time is up", for a deadline (ISO); '' for none. */
function timeText(deadline) {
  if (!deadline) return ''
  const min = Math.ceil((Date.parse(deadline) - Date.now()) / 60000)
  return min > 0 ? `${min} min left` : 'Time is up'
}

function drawLab(view, index, result) {
  const step = view.steps[index]
  const done = view.steps.filter((s) => s.done).length
  const head = el(
    'div',
    { class: 'card' },
    el('h1', {}, view.title),
    progressBar(done, view.steps.length),
    el('p', { class: 'quiet', id: 'progress' }, `${done} of ${view.steps.length} steps done · ${view.points} of ${view.maxPoints} points`),
    view.deadline
      ? el('p', { id: 'time-left', class: timeText(view.deadline) === 'Time is up' ? 'error' : 'quiet' }, timeText(view.deadline))
      : null,
  )
  if (!view.started) {
    const out = el('p', { class: 'result', role: 'status' })
    const start = el('button', { id: 'start' }, 'Start the lab')
    start.addEventListener('click', () =>
      busy(start, out, async () => {
        out.className = 'result'
        out.textContent = 'Preparing your project…'
        const v = await api('POST', `/api/labs/${encodeURIComponent(view.id)}/start`, {})
        drawLab(v, v.current)
      }),
    )
    show(
      head,
      el(
        'div',
        { class: 'card' },
        el('p', {}, view.summary),
        el('p', { class: 'quiet' }, `About ${view.minutes} minutes.`),
        el('div', { class: 'actions' }, start),
        out,
      ),
    )
    return
  }
  const list = el(
    'ol',
    { class: 'steps card' },
    view.steps.map((s, i) =>
      el(
        'li',
        {},
        el(
          'button',
          { class: i === index ? 'selected' : '', 'data-step': s.id, onclick: () => drawLab(view, i) },
          stepMark(s),
          `${i + 1}. ${s.title}`,
        ),
      ),
    ),
  )
  const text = el('div', { class: 'text' })
  text.innerHTML = step.html // rendered by the server from the lab's Markdown, raw HTML off
  const out = el(
    'p',
    { class: `result ${result ? result.status : ''}`, id: 'result', role: 'status' },
    result ? `${marks[result.status] || ''} ${result.message || (result.status === 'pass' ? 'Done.' : '')}` : '',
  )
  const check = el('button', { id: 'check' }, 'Check')
  const hint = el(
    'button',
    { class: 'plain', id: 'hint', disabled: step.hintsLeft === 0 },
    step.hintsLeft ? `Hint (${step.hintsLeft} left)` : 'No more hints',
  )
  check.addEventListener('click', () =>
    busy(check, out, async () => {
      out.className = 'result'
      out.textContent = 'Checking…'
      const r = await api('POST', `/api/labs/${encodeURIComponent(view.id)}/check`, { step: step.id })
      drawLab(r.view, index, r.result)
    }),
  )
  hint.addEventListener('click', () =>
    busy(hint, out, async () => {
      const r = await api('POST', `/api/labs/${encodeURIComponent(view.id)}/hint`, { step: step.id })
      drawLab(r.view, index)
    }),
  )
  const next =
    index + 1 < view.steps.length && step.done
      ? el('button', { class: 'plain', id: 'next', onclick: () => drawLab(view, index + 1) }, 'Next step →')
      : null
  const hints = step.hints.map((h) => {
    const li = el('li')
    li.innerHTML = h // inline Markdown rendered by the server
    return li
  })
  const body = el(
    'div',
    { class: 'card', id: 'step', 'data-step': step.id },
    el('h2', {}, `Step ${index + 1}: ${step.title}`),
    text,
    el('div', { class: 'actions' }, check, hint, next),
    out,
    hints.length ? el('h3', {}, 'Hints') : null,
    hints.length ? el('ol', { class: 'hints', id: 'hints' }, hints) : null,
  )
  show(head, el('div', { class: 'lab' }, list, body))
}

function stopGrid() {
  if (gridTimer) clearInterval(gridTimer)
  gridTimer = null
}

function renderTrainerHome(classId, labId) {
  const classes = me.classes
  if (!classes.length) {
    show(el('h1', {}, 'Classes'), el('p', { class: 'quiet' }, 'No class yet: make one with "stackhouse class create --students N".'))
    return
  }
  const cls = classId && classes.includes(classId) ? classId : classes[0]
  const lab = labId && me.labs.some((l) => l.id === labId) ? labId : me.labs[0].id
  const pickClass = el(
    'select',
    { id: 'class' },
    classes.map((c) => el('option', { value: c, selected: c === cls }, c)),
  )
  const pickLab = el(
    'select',
    { id: 'lab' },
    me.labs.map((l) => el('option', { value: l.id, selected: l.id === lab }, l.title)),
  )
  const go = () => (location.hash = `#/class/${pickClass.value}/${pickLab.value}`)
  pickClass.addEventListener('change', go)
  pickLab.addEventListener('change', go)
  const gridBox = el('div', { id: 'grid' }, el('p', { class: 'quiet' }, 'Loading…'))
  const status = el('p', { class: 'quiet', id: 'grid-status', role: 'status' })
  show(
    el('h1', {}, 'Class progress'),
    el('div', { class: 'pickers' }, el('label', {}, 'Class ', pickClass), el('label', {}, 'Lab ', pickLab)),
    gridBox,
    status,
  )
  const refresh = async () => {
    try {
      drawGrid(gridBox, cls, await api('GET', `/api/classes/${cls}/labs/${encodeURIComponent(lab)}`), status)
      status.textContent = `Updated ${new Date().toLocaleTimeString()}`
    } catch (e) {
      status.textContent = errorText(e)
    }
  }
  stopGrid()
  refresh()
  // Live: the grid follows the class's progress events.
  gridTimer = setInterval(refresh, 3000)
}

function gridCell(s) {
  if (s.done && s.solved) return el('td', { class: 'solved', title: 'solved for the student' }, '◐')
  if (s.done) return el('td', { class: 'pass', title: 'done' }, '✔')
  if (!s.last) return el('td', {}, '')
  return el('td', { class: s.last.result, title: s.last.message || s.last.result }, marks[s.last.result] || '')
}

function drawGrid(box, cls, grid, status) {
  const doing = { reset: 'Resetting', solve: 'Solving', extend: 'Giving more time' }
  // Student 0 is the whole class (more time for everyone).
  const act = (n, action, body) => async (ev) => {
    if (action === 'reset' && !confirm(`Reset ${grid.lab} for student ${n}? Their resources in this lab are deleted.`)) return
    await busy(ev.target, status, async () => {
      status.textContent = `${doing[action]} for ${n ? `student ${n}` : 'everyone'}…`
      const path = `/api/classes/${cls}/students/${n}/labs/${encodeURIComponent(grid.lab)}/${action}`
      drawGrid(box, cls, await api('POST', path, body), status)
      status.textContent = 'Done.'
    })
  }
  const timed = grid.students.some((s) => s.deadline)
  const head = el(
    'tr',
    {},
    el('th', {}, 'Student'),
    grid.titles.map((t, i) => el('th', { title: t }, String(i + 1))),
    el('th', {}, 'Points'),
    timed ? el('th', {}, 'Time') : null,
    el(
      'th',
      {},
      timed ? el('button', { class: 'plain', id: 'extend-all', onclick: act(0, 'extend', { minutes: '10' }) }, '+10 min for all') : '',
    ),
  )
  const rows = grid.students.map((s) => {
    const next = s.steps.findIndex((p) => !p.done)
    const left = timeText(s.deadline)
    return el(
      'tr',
      { 'data-student': s.number },
      el('td', { class: 'name' }, s.name, s.started ? '' : el('span', { class: 'quiet' }, ' (not started)')),
      s.steps.map(gridCell),
      el('td', {}, String(s.points)),
      timed ? el('td', { class: left === 'Time is up' ? 'fail time' : 'time' }, left) : null,
      el(
        'td',
        {},
        next >= 0
          ? el('button', { class: 'plain', onclick: act(s.number, 'solve', { step: grid.steps[next] }) }, `Solve ${next + 1}`)
          : null,
        ' ',
        el('button', { class: 'plain', onclick: act(s.number, 'reset', {}) }, 'Reset'),
        s.deadline ? ' ' : null,
        s.deadline ? el('button', { class: 'plain', onclick: act(s.number, 'extend', { minutes: '10' }) }, '+10 min') : null,
      ),
    )
  })
  box.replaceChildren(el('table', { class: 'grid' }, el('thead', {}, head), el('tbody', {}, rows)))
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
  if (me.role === 'trainer') return renderTrainerHome(kind === 'class' ? a : undefined, kind === 'class' ? b : undefined)
  stopGrid()
  if (kind === 'lab' && a) return renderLab(a)
  me = await api('GET', '/api/me')
  renderStudentHome()
}

window.addEventListener('hashchange', route)
route()
