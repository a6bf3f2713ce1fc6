// SPDX-License-Identifier: Apache-2.0
// What the inventory rules (rules.ts, rules-networks.ts) report into: problems at
// the line and column of the value they are about.
import type { Problem } from './problems.ts'
import type { InventoryDraft } from './schema.ts'
import type { InventorySource } from './source.ts'

export type Path = (string | number)[]

export class Findings {
  readonly problems: Problem[] = []
  constructor(
    readonly source: InventorySource,
    /** Folder that relative paths in the inventory start from; undefined: files are not checked. */
    readonly dir: string | undefined,
    /** Hosts may lack an address: create-hosts is about to give them one. */
    readonly addressesPending = false,
  ) {}
  add(severity: Problem['severity'], path: Path, message: string, fix?: string, key = false): void {
    const pos = this.source.locate(path, { key })
    this.problems.push({ file: this.source.file, ...pos, path: `/${path.join('/')}`, message, fix, severity })
  }
  error(path: Path, message: string, fix?: string, key = false): void {
    this.add('error', path, message, fix, key)
  }
  warn(path: Path, message: string, fix?: string): void {
    this.add('warning', path, message, fix)
  }
  /** Whether the file itself sets the key (the inventory the rules see has the schema's defaults applied). */
  written(path: Path): boolean {
    return (
      path.reduce<unknown>(
        (v, k) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined),
        this.source.data,
      ) !== undefined
    )
  }
}

export type Rule = (inv: InventoryDraft, f: Findings) => void
