// SPDX-License-Identifier: Apache-2.0
// List a directory tree (readdir's `recursive` needs Node 18.17; the CLI supports 18.0).
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

/** Every path under `dir`, relative to it, directories before their contents, sorted. */
export function walk(dir: string, prefix = ''): string[] {
  const out: string[] = []
  const entries = readdirSync(join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    out.push(rel)
    if (e.isDirectory()) out.push(...walk(dir, rel))
  }
  return out
}
