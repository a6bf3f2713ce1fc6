// SPDX-License-Identifier: Apache-2.0
// The one way Stackhouse builds shell command lines: every value interpolated
// into `sh` is quoted unless it is marked as a shell fragment on purpose. Values
// come from inventories, secrets and hosts; none may ever be read as shell syntax.

/** Quote a string for bash: single quotes, with embedded quotes closed and escaped. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`
}

/** A piece of shell syntax that `sh` inserts as it is: a command built by `sh` itself, or a constant. */
export class ShellFragment {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

/** Mark text as shell syntax (a sub-command, a pipeline, a redirection) for `sh` to insert unquoted. */
export function raw(text: string): ShellFragment {
  return new ShellFragment(text)
}

export type ShellValue = string | number | ShellFragment | readonly (string | number)[]

/**
 * A command line from a template: `${value}` is quoted as one word, an array as
 * one word per item, a number as its digits, and only a `raw()` fragment is
 * inserted as shell syntax.
 * @example sh`install -d -o ${owner} -- ${path}`
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): string {
  return strings.reduce((out, text, i) => out + text + (i < values.length ? word(values[i]!) : ''), '')
}

function word(v: ShellValue): string {
  if (v instanceof ShellFragment) return v.text
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`sh: ${v} is not a number a command can take`)
    return String(v)
  }
  if (typeof v === 'string') return shellQuote(v)
  return v.map((x) => word(x)).join(' ')
}

/** `argv` as one command line, every word quoted. */
export function argv(...words: (string | number)[]): string {
  return words.map((w) => word(w)).join(' ')
}
