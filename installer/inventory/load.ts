// SPDX-License-Identifier: Apache-2.0
// Read an inventory file: YAML syntax, schema, then the semantic rules. Every
// problem is collected before failing, so one run shows them all.
import { readFileSync } from 'node:fs'
import { InventoryError, type Problem } from './problems.ts'
import { checkRules } from './rules.ts'
import type { Inventory } from './schema.ts'
import { parseInventory } from './source.ts'
import { isInventory, validateSchema } from './validate.ts'

export interface LoadResult {
  inventory?: Inventory
  /** Errors and warnings, in file order. */
  problems: Problem[]
}

/** Check inventory text; never throws for problems in the text. */
export function checkInventory(file: string, text: string): LoadResult {
  const { source, problems } = parseInventory(file, text)
  if (!source) return { problems }
  const schemaProblems = validateSchema(source)
  if (schemaProblems.length || !isInventory(source.data)) return { problems: sortProblems([...problems, ...schemaProblems]) }
  const all = sortProblems([...problems, ...checkRules(source.data, source)])
  return { inventory: source.data, problems: all }
}

/** Read and check an inventory file; throws InventoryError when it has errors. */
export function loadInventory(file: string, shownAs = file): Inventory {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new InventoryError([
      {
        file: shownAs, line: 1, column: 1, path: '', severity: 'error',
        message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(cause)})`,
        fix: code === 'ENOENT' ? 'check the path, or run "stackhouse init" to write a starting inventory' : undefined,
      },
    ])
  }
  const { inventory, problems } = checkInventory(shownAs, text)
  if (!inventory || problems.some((p) => p.severity === 'error')) throw new InventoryError(problems.filter((p) => p.severity === 'error'))
  return inventory
}

function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column)
}
