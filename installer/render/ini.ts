// SPDX-License-Identifier: Apache-2.0
// oslo.config-style INI: repeated keys (multi-valued options), values continued
// on indented lines, `#`/`;` comments. The `ini` package drops the first two, so
// this small parser/merger is our own. Comments and order of the base survive a merge.
import { StackhouseError } from '../errors.ts'

export type IniLine =
  | { kind: 'text'; raw: string } // comment or blank line, kept as is
  | { kind: 'key'; key: string; value: string; raw: string }

export interface IniSection {
  /** '' holds the lines before the first section header. */
  name: string
  header: string
  lines: IniLine[]
}

/** A line that is not INI; overrides turn it into an OverrideError naming the file. An input error (exit 1). */
export class IniSyntaxError extends StackhouseError {
  declare readonly line: number
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`, { kind: 'input', line })
    this.name = 'IniSyntaxError'
  }
}

export function parseIni(text: string): IniSection[] {
  const sections: IniSection[] = [{ name: '', header: '', lines: [] }]
  const rows = text.split('\n')
  if (rows.at(-1) === '') rows.pop()
  rows.forEach((raw, i) => {
    const current = sections.at(-1)!
    const last = current.lines.at(-1)
    const header = /^\[([^\]]+)\]\s*$/.exec(raw)
    if (header) {
      sections.push({ name: header[1]!.trim(), header: raw, lines: [] })
    } else if (/^\s*([#;].*)?$/.test(raw)) {
      current.lines.push({ kind: 'text', raw })
    } else if (/^\s/.test(raw) && last?.kind === 'key') {
      last.value += `\n${raw.trim()}`
      last.raw += `\n${raw}`
    } else {
      const kv = /^([^=:\s][^=:]*?)\s*[=:]\s?(.*)$/.exec(raw)
      if (!kv) throw new IniSyntaxError(i + 1, `expected "key = value", a [section] or a comment, got "${raw.trim()}"`)
      current.lines.push({ kind: 'key', key: kv[1]!, value: kv[2]!.trimEnd(), raw })
    }
  })
  return sections
}

export function formatIni(sections: IniSection[]): string {
  const out: string[] = []
  for (const s of sections) {
    if (s.name) out.push(s.header)
    for (const l of s.lines) out.push(l.raw)
  }
  return out.length ? `${out.join('\n')}\n` : ''
}

/** Values of a key in a section (several for a multi-valued option); [] when absent. */
export function iniValues(sections: IniSection[], section: string, key: string): string[] {
  return sections
    .filter((s) => s.name === section)
    .flatMap((s) => s.lines)
    .flatMap((l) => (l.kind === 'key' && l.key === key ? [l.value] : []))
}

/** The single value of a key, or undefined. */
export function iniGet(sections: IniSection[], section: string, key: string): string | undefined {
  return iniValues(sections, section, key).at(-1)
}

export interface MergeLayer {
  /** Where the layer comes from, recorded per key, e.g. `overrides/nova/nova.conf`. */
  source: string
  text: string
}

export interface MergeResult {
  text: string
  /** `section.key` → source of the layer that set it last. */
  setBy: Record<string, string>
}

/**
 * Merge layers over a base, key by key: a key in a layer replaces every value of
 * that key in the same section of the result (all of the layer's values, for a
 * repeated key); new keys and sections are appended in the layer's order.
 */
export function mergeIni(base: string, ...layers: MergeLayer[]): MergeResult {
  const result = parseIni(base)
  const setBy: Record<string, string> = {}
  for (const layer of layers) {
    for (const section of parseIni(layer.text)) {
      const byKey = new Map<string, string[]>()
      for (const l of section.lines) if (l.kind === 'key') byKey.set(l.key, [...(byKey.get(l.key) ?? []), l.value])
      if (byKey.size === 0) continue
      let target = result.find((s) => s.name === section.name)
      if (!target) {
        target = { name: section.name, header: `[${section.name}]`, lines: [] }
        if (result.at(-1)!.lines.at(-1)?.kind === 'key') result.at(-1)!.lines.push({ kind: 'text', raw: '' })
        result.push(target)
      }
      for (const [key, values] of byKey) {
        setKey(target, key, values)
        setBy[`${section.name}.${key}`] = layer.source
      }
    }
  }
  return { text: formatIni(result), setBy }
}

function setKey(section: IniSection, key: string, values: string[]): void {
  const lines = values.map((value): IniLine => ({ kind: 'key', key, value, raw: `${key} = ${value.split('\n').join('\n    ')}` }))
  const first = section.lines.findIndex((l) => l.kind === 'key' && l.key === key)
  if (first === -1) {
    // Append after the section's last key, before trailing blank lines.
    let at = section.lines.length
    while (at > 0 && section.lines[at - 1]!.kind === 'text' && section.lines[at - 1]!.raw.trim() === '') at--
    section.lines.splice(at, 0, ...lines)
    return
  }
  section.lines = section.lines.filter((l, i) => i <= first || !(l.kind === 'key' && l.key === key))
  section.lines.splice(first, 1, ...lines)
}
