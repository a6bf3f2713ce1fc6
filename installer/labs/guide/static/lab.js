// SPDX-License-Identifier: Apache-2.0
// A student's view: their labs, and one lab (its text, Check, Hint and progress).
// The only HTML set is the step text and hints, which the server rendered from
// Markdown with raw HTML turned off.
import { api, busy, el, errorText, marks, progressBar, show, timeText } from './dom.js'

/** The student's labs as cards, from `me` (/api/me). */
export function renderStudentHome(me) {
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

function stepMark(s) {
  if (s.done) return el('span', { class: 'mark pass' }, s.solved ? '◐' : '✔')
  if (s.last) return el('span', { class: `mark ${s.last.result}` }, marks[s.last.result] || '')
  return el('span', { class: 'mark' }, '')
}

export async function renderLab(id, selected) {
  let view
  try {
    view = await api('GET', `/api/labs/${encodeURIComponent(id)}`)
  } catch (e) {
    if (e.status !== 401) show(el('p', { class: 'error' }, errorText(e)))
    return
  }
  drawLab(view, selected ?? view.current)
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
