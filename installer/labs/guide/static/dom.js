// SPDX-License-Identifier: Apache-2.0
// The lab guide's building blocks: elements, the API client, progress bars and
// result marks. Text from the cloud always goes in as text (el's children), never as HTML.

/** An element with attributes (on* are listeners) and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
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

export function show(...nodes) {
  document.getElementById('app').replaceChildren(...nodes)
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body.error || `the guide answered ${status}`)
    this.status = status
    this.fix = body.fix
  }
}

let sessionEnded = () => undefined

/** What to do when the guide answers 401 (the session ended): guide.js shows the login. */
export function onSessionEnd(fn) {
  sessionEnded = fn
}

export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const data = await res.json().catch(() => ({}))
  if (res.status === 401 && path !== '/api/login') sessionEnded()
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

export function errorText(e) {
  return e.fix ? `${e.message} (${e.fix})` : e.message
}

/** Run an action with its button disabled and its error shown in `out`. */
export async function busy(button, out, fn) {
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

export function progressBar(done, of) {
  const pct = of ? Math.round((done / of) * 100) : 0
  const fill = el('span')
  // CSSOM, not a style attribute: the page's CSP allows no inline style.
  fill.style.width = `${pct}%`
  return el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': of, 'aria-valuenow': done }, fill)
}

export const marks = { pass: '✔', fail: '✖', waiting: '…', error: '!' }

/** "12 min left" or "Time is up", for a deadline (ISO); '' for none. */
export function timeText(deadline) {
  if (!deadline) return ''
  const min = Math.ceil((Date.parse(deadline) - Date.now()) / 60000)
  return min > 0 ? `${min} min left` : 'Time is up'
}
