// SPDX-License-Identifier: Apache-2.0
// A problem found in an inventory, and the error that carries all of them.
import { StackhouseError } from '../errors.ts'
import { printable } from '../printable.ts'

export interface Problem {
  /** File the problem is in, as the user named it. */
  file: string
  line: number
  column: number
  /** JSON pointer of the value, e.g. `/hosts/2/address`; '' for the whole file. */
  path: string
  message: string
  /** What to do about it. */
  fix?: string
  severity: 'error' | 'warning'
}

/** An error about the file as a whole (too large, unreadable, a part missing): line 1, column 1, no path. */
export function wholeFileProblem(file: string, message: string, fix?: string): Problem {
  return { file, line: 1, column: 1, path: '', severity: 'error', message, ...(fix ? { fix } : {}) }
}

/** Thrown when an inventory has errors; carries every problem found, not just the first. An input error (exit 1). */
export class InventoryError extends StackhouseError {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'), { kind: 'input' })
    this.name = 'InventoryError'
  }
}

/** `inventory.yml:12:5 /hosts/2/address: message` and, indented below, the fix. */
export function formatProblem(p: Problem): string {
  // NOTE: a path holds the file's own keys, which may hold anything: escaped like a value.
  const where = `${printable(p.file, 200)}:${p.line}:${p.column}${p.path ? ` ${printable(p.path, 200)}` : ''}`
  const tag = p.severity === 'warning' ? 'warning: ' : ''
  return `${where}: ${tag}${p.message}${p.fix ? `\n  fix: ${p.fix}` : ''}`
}
