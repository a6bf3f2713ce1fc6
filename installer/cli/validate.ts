// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { roles } from '../../roles/index.ts'
import { formatProblem, InventoryError } from '../inventory/problems.ts'
import { UsageError } from '../errors.ts'
import { validateProject } from '../validate.ts'
import { sanitizeMessage } from '../printable.ts'
import { err, out, style } from './_style.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'

export const validateCommand = withProject(
  new Command('validate').description(
    'check an inventory (YAML, schema, consistency, the files it names) and what renders from it (overrides/, config:), reporting every problem with file:line',
  ),
)
  .argument('[inventory]', 'inventory file (the same as -i)')
  .option('--json', 'print the problems as JSON')
  .action((positional: string | undefined, given: ProjectFlags & { json?: boolean }) => {
    if (positional && given.inventory && positional !== given.inventory)
      throw new UsageError(`two inventories given: ${positional} and -i ${given.inventory}`, 'name one')
    const flags = { ...given, ...(positional ? { inventory: positional } : {}) }
    const { file, inventory, problems } = validateProject(projectOptions(flags), roles)
    const errors = problems.filter((p) => p.severity === 'error')
    if (flags.json) {
      out(JSON.stringify({ file, valid: errors.length === 0, problems }, null, 2))
      if (errors.length) process.exitCode = 1
      return
    }
    for (const p of problems.filter((p) => p.severity === 'warning')) err(style.yellow(sanitizeMessage(formatProblem(p)), process.stderr))
    if (errors.length || !inventory) throw new InventoryError(errors)
    const groups = Object.keys(inventory.groups ?? {}).length
    out(
      `${style.green('✔')} ${file}: valid (${inventory.hosts.length} host(s), ${groups} group(s)${problems.length ? `, ${problems.length} warning(s)` : ''})`,
    )
  })
