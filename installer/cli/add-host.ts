// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { roles } from '../../roles/index.ts'
import { addHost } from '../commands/add-host.ts'
import { openProject } from '../commands/open.ts'
import { joinableGroups } from '../inventory/edit.ts'
import { UsageError } from '../errors.ts'
import { DeployFailed, humanEvents, jsonEvents, printReport } from './deploy.ts'
import { err, out, style } from './_style.ts'
import { listOption, projectOptions, withProject, type ProjectFlags } from './_options.ts'

interface AddHostFlags extends ProjectFlags {
  address: string
  group: string[]
  tunnelAddress?: string
  trustNewHosts?: boolean
  json?: boolean
  quiet?: boolean
  verbose?: boolean
}

export const addHostCommand = withProject(
  new Command('add-host')
    .description(
      'add a compute, storage or network host to a deployed cloud: into the inventory (checked first, comments kept), then a deploy; the hosts already there restart nothing',
    )
    .argument('<name>', 'the new host, as its inventory entry will name it (its sandbox host too, on a sandbox cloud)'),
)
  .requiredOption('--address <ip>', 'its management address, which SSH reaches')
  .requiredOption('--group <group...>', `the groups it joins: ${joinableGroups.join(', ')} (commas or spaces)`)
  .option('--tunnel-address <ip>', 'its address on the tunnel network, when it has one of its own')
  .option('--trust-new-hosts', 'record the SSH host keys of hosts not yet in known_hosts (trust on first use)')
  .option('-v, --verbose', 'stream every command each host runs and its output (secrets masked), instead of the live view')
  .option('-q, --quiet', 'no progress: print only the changes, the failures and the summary')
  .option('--json', 'print progress events as JSON lines, the report last ({"type":"report"})')
  .addHelpText(
    'after',
    '\nA failed add-host is re-run as it was: the host is in the inventory already, and the\ndeploy goes on from where it stopped.',
  )
  .action(async (name: string, flags: AddHostFlags) => {
    if (!flags.inventory)
      throw new UsageError('add-host changes an inventory: name it with -i', 'stackhouse add-host NAME ... -i inventory.yml')
    if (flags.quiet && flags.verbose) throw new UsageError('--quiet and --verbose ask for opposite things', 'choose one')
    const renderer = flags.json || flags.quiet ? 'silent' : flags.verbose || !process.stdout.isTTY ? 'simple' : 'default'
    const report = await addHost(
      projectOptions(flags),
      {
        name,
        address: flags.address,
        groups: listOption(flags.group) ?? [],
        ...(flags.tunnelAddress ? { tunnelAddress: flags.tunnelAddress } : {}),
      },
      roles,
      { renderer, onEvent: flags.json ? jsonEvents : humanEvents, ...(flags.trustNewHosts ? { trustNewHosts: true } : {}) },
    )
    if (flags.json) out(JSON.stringify({ type: 'report', ...report }))
    else {
      if (report.inventoryChanged) out(`${style.green('✔')} ${name} added to ${flags.inventory}`)
      else out(style.dim(`${name} was in ${flags.inventory} already: deployed again`))
      // The project as it is now: with the new host in its inventory.
      printReport(report, openProject(projectOptions(flags)).model, report.credentials, flags.quiet)
      if (report.restartedElsewhere.length)
        err(`${style.yellow('!', process.stderr)} restarted on the other hosts: ${report.restartedElsewhere.join(', ')}`)
      else if (!report.failures.length) out(`${style.green('✔')} nothing restarted on the other hosts`)
    }
    if (report.failures.length) throw new DeployFailed(report)
  })
