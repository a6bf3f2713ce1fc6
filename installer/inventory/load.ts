// SPDX-License-Identifier: Apache-2.0
// Read an inventory file: bytes, YAML syntax, schema, then the semantic rules.
// Every problem is collected before failing, so one run shows them all.
import { readFileSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { decodeInventory, inventoryLimits, tooLarge } from './decode.ts'
import { InventoryError, type Problem } from './problems.ts'
import { checkRules } from './rules.ts'
import type { Inventory, InventoryDraft } from './schema.ts'
import { parseInventory, type InventorySource } from './source.ts'
import { validateSchema } from './validate.ts'

export interface LoadResult {
  inventory?: Inventory
  /** Errors and warnings, in file order. */
  problems: Problem[]
  /** Line and column of a path in the file, when it parsed. */
  locate?: InventorySource['locate']
}

export interface CheckOptions {
  /** Folder relative paths in the inventory start from; given, the files it names are checked too. */
  dir?: string
  /** Hosts without an address are fine (create-hosts is about to give them one). */
  addressesPending?: boolean
}

/** Check inventory text; never throws for problems in the text. The inventory comes back only when it has no error. */
export function checkInventory(file: string, text: string, opts: CheckOptions = {}): LoadResult {
  const r = checkInventoryDraft(file, text, { ...opts, addressesPending: false })
  // Without an error, every host has its address (the rules say so otherwise).
  return { ...r, inventory: r.inventory as Inventory | undefined }
}

/** checkInventory, where `addressesPending` may let hosts without an address through. */
export function checkInventoryDraft(
  file: string,
  text: string,
  opts: CheckOptions = {},
): Omit<LoadResult, 'inventory'> & { inventory?: InventoryDraft } {
  const { source, problems } = parseInventory(file, text)
  if (!source) return { problems }
  const { inventory, problems: schemaProblems } = validateSchema(source)
  if (!inventory) return { problems: sortProblems([...problems, ...schemaProblems]), locate: source.locate }
  const all = sortProblems([...problems, ...checkRules(inventory, source, opts)])
  return { ...(all.some((p) => p.severity === 'error') ? {} : { inventory }), problems: all, locate: source.locate }
}

export interface FileCheckOptions {
  /** Check that the SSH keys and TLS files the inventory names exist here. @default true */
  localFiles?: boolean
}

/** Read and check an inventory file (and the files it names); never throws for problems in it. */
export function checkInventoryFile(file: string, shownAs = file, opts: FileCheckOptions = {}): LoadResult {
  const read = readInventoryFile(file, shownAs)
  if (read.text === undefined) return { problems: read.problems }
  return checkInventory(shownAs, read.text, opts.localFiles === false ? {} : { dir: dirname(file) })
}

/** Read and check an inventory file; throws InventoryError when it has errors. */
export function loadInventory(file: string, shownAs = file, opts: FileCheckOptions = {}): Inventory {
  const { inventory, problems } = checkInventoryFile(file, shownAs, opts)
  if (!inventory) throw new InventoryError(problems.filter((p) => p.severity === 'error'))
  return inventory
}

/** The file's text, refused before it is read when it is not a regular file or too large. */
function readInventoryFile(file: string, shownAs: string): { text?: string; problems: Problem[] } {
  const problem = (message: string, fix?: string) => ({
    problems: [{ file: shownAs, line: 1, column: 1, path: '', severity: 'error' as const, message, ...(fix ? { fix } : {}) }],
  })
  try {
    const st = statSync(file)
    if (st.isDirectory())
      return problem('is a folder, not an inventory file', 'name the inventory file itself, e.g. -i mycloud/inventory.yml')
    if (!st.isFile())
      return problem(
        'is not a regular file (a pipe or a device?)',
        'write the inventory to a file: its secrets.yaml and overrides/ are kept beside it',
      )
    if (st.size > inventoryLimits.bytes) return tooLarge(shownAs, st.size)
    return decodeInventory(shownAs, readFileSync(file))
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return problem('no such file', 'check the path, or run "stackhouse init" to write a starting inventory')
    if (code === 'EACCES') return problem('cannot be read by this user', 'run as a user who can read it, or change its permissions')
    return problem(`cannot read the file (${code ?? String(cause)})`)
  }
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column)
}
