// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { roles } from '../../roles/index.ts'
import { removeHost } from '../commands/remove-host.ts'
import { UsageError } from '../errors.ts'
import { out, style } from './_style.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'

export const removeHostCommand = withProject(
  new Command('remove-host')
    .description(
      'take a compute host out of a deployed cloud: refused while servers run on it; then disabled, stopped, its Nova service and Neutron agents deleted, and out of the inventory',
    )
    .argument('<name>', 'the compute host, as the inventory names it'),
)
  .option('--trust-new-hosts', 'record the SSH host keys of hosts not yet in known_hosts (trust on first use)')
  .option('--json', 'print the report as JSON')
  .addHelpText('after', '\nA failed remove-host is re-run as it was: each step is skipped once done.')
  .action(async (name: string, flags: ProjectFlags & { trustNewHosts?: boolean; json?: boolean }) => {
    if (!flags.inventory)
      throw new UsageError('remove-host changes an inventory: name it with -i', 'stackhouse remove-host NAME -i inventory.yml')
    const report = await removeHost(projectOptions(flags), name, roles, flags.trustNewHosts ? { trustNewHosts: true } : {})
    if (flags.json) return out(JSON.stringify(report, null, 2))
    out(`${style.green('✔')} ${name}: ${report.machine}`)
    for (const d of report.deleted) out(`  ${style.yellow('✎')} deleted ${d}`)
    out(
      report.inventoryChanged
        ? `${style.green('✔')} ${name} removed from ${flags.inventory}`
        : style.dim(`${name} was not in ${flags.inventory}`),
    )
  })
