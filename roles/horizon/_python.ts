// SPDX-License-Identifier: Apache-2.0
// Python literals for local_settings.py: the dashboard's settings are Python
// source, so every value is serialised here, never assembled in a template.

/** A value with a Python literal: str, int/float, bool, None, list, dict. */
export type PyValue = string | number | boolean | null | readonly PyValue[] | { readonly [key: string]: PyValue }

const escapes: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** A single-quoted Python str literal; control characters are escaped. */
export function pyStr(s: string): string {
  const body = s.replace(/[\\'\n\r\t]|[\x00-\x1f\x7f]/g, (c) => escapes[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  return `'${body}'`
}

/**
 * The Python literal of a value. Dicts and lists of dicts/lists span lines,
 * indented by 4 spaces per level; lists of scalars stay on one line.
 */
export function pyRepr(v: PyValue, level = 0): string {
  if (v === null) return 'None'
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`no Python literal for ${v}`)
    return String(v)
  }
  if (typeof v === 'string') return pyStr(v)
  const pad = '    '.repeat(level + 1)
  const end = '    '.repeat(level)
  if (isList(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) return `[${v.map((x) => pyRepr(x)).join(', ')}]`
    return `[\n${v.map((x) => `${pad}${pyRepr(x, level + 1)},\n`).join('')}${end}]`
  }
  const entries = Object.entries(v)
  if (!entries.length) return '{}'
  return `{\n${entries.map(([k, x]) => `${pad}${pyStr(k)}: ${pyRepr(x, level + 1)},\n`).join('')}${end}}`
}

function isList(v: PyValue): v is readonly PyValue[] {
  return Array.isArray(v)
}
