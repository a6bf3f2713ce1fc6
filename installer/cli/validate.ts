// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { builtinInventory, builtinInventoryName } from '../inventory/defaults.ts'
import { checkInventory } from '../inventory/load.ts'
import { formatProblem, InventoryError } from '../inventory/problems.ts'
import { err, out, style } from './_style.ts'
import { withProject, type ProjectFlags } from './_options.ts'

export const validateCommand = withProject(
  new Command('validate').description('check an inventory: YAML, schema and consistency, reporting every problem with file:line'),
)
  .option('--json', 'print the problems as JSON')
  .action((flags: ProjectFlags & { json?: boolean }) => {
    const file = flags.inventory ?? builtinInventoryName
    let text = builtinInventory
    if (flags.inventory) {
      try {
        text = readFileSync(flags.inventory, 'utf8')
      } catch (cause) {
        throw new InventoryError([{ file, line: 1, column: 1, path: '', severity: 'error', message: `cannot read: ${(cause as NodeJS.ErrnoException).code ?? cause}`, fix: 'check the path, or run "stackhouse init"' }])
      }
    }
    const { inventory, problems } = checkInventory(file, text)
    const errors = problems.filter((p) => p.severity === 'error')
    if (flags.json) {
      out(JSON.stringify({ file, valid: errors.length === 0, problems }, null, 2))
      if (errors.length) process.exitCode = 1
      return
    }
    for (const p of problems.filter((p) => p.severity === 'warning')) err(style.yellow(formatProblem(p), process.stderr))
    if (errors.length || !inventory) throw new InventoryError(errors)
    const groups = Object.keys(inventory.groups ?? {}).length
    out(`${style.green('✔')} ${file}: valid (${inventory.hosts.length} host(s), ${groups} group(s)${problems.length ? `, ${problems.length} warning(s)` : ''})`)
  })
