// SPDX-License-Identifier: Apache-2.0
// The trainer's view: the live class grid of one lab, with solve, reset and more time per student.
import { api, busy, el, errorText, marks, show, timeText } from './dom.js'

let gridTimer = null

export function stopGrid() {
  if (gridTimer) clearInterval(gridTimer)
  gridTimer = null
}

/** The class grid for `me` (/api/me) of a trainer, refreshed every 3 s. */
export function renderTrainerHome(me, classId, labId) {
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
