// SPDX-License-Identifier: Apache-2.0
// User text echoed in a message: control characters shown as escapes, long
// values cut. A value from a hostile file must not move the cursor, recolour the
// terminal or bury the message under megabytes.

/** `s` with every control character escaped (`\n`, `\x1b`, `\u2028`…) and cut to `max` characters. */
export function printable(s: string, max = 80): string {
  const escaped = s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }
    const code = c.charCodeAt(0)
    return named[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
  })
  const chars = [...escaped]
  return chars.length > max ? `${chars.slice(0, max).join('')}… (${[...s].length} characters)` : escaped
}

/**
 * Last line of defence for text already composed into a message: every control
 * character but the newline (and the ANSI colours Stackhouse adds itself, which come
 * later) is escaped.
 */
export function sanitizeMessage(text: string): string {
  return text.replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => printable(c))
}
