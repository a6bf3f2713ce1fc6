// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { roles } from '../../roles/index.ts'
import { destroyCloud } from '../destroy.ts'
import { UsageError } from '../errors.ts'
import { openProject } from '../commands/open.ts'
import { readInventory } from '../project.ts'
import { err, out, style } from './_style.ts'
import { projectOptions, withHostAccess, withProject, type ProjectFlags } from './_options.ts'

export const destroyCommand = withHostAccess(
  withProject(
    new Command('destroy').description(
      'remove the cloud: sandbox hosts are deleted; on servers, services are stopped, packages purged and their data deleted',
    ),
  ),
  { trustNewHosts: true, localHelp: 'run on this machine instead of over SSH' },
)
  .option('--yes-i-really-mean-it', 'required for servers (target: hosts): their databases, images and volumes are deleted')
  .option('--json', 'print the report as JSON')
  .action(async (flags: ProjectFlags & { yesIReallyMeanIt?: boolean; local?: boolean; trustNewHosts?: boolean; json?: boolean }) => {
    // Asked before anything is read beyond the inventory: the answer does not depend on the secrets.
    const inventory = readInventory(projectOptions(flags))
    if (inventory.target !== 'sandbox' && !flags.yesIReallyMeanIt) {
      throw new UsageError(
        `this deletes every database, image and volume of the cloud on ${inventory.hosts.map((h) => h.name).join(', ')}`,
        'run again with --yes-i-really-mean-it',
      )
    }
    const project = openProject(projectOptions(flags))
    const report = await destroyCloud(project, roles, {
      ...(flags.local ? { local: true } : {}),
      ...(flags.trustNewHosts ? { trustNewHosts: true } : {}),
      // Each host as it is done: purging a server takes minutes, and hosts finish apart.
      onEvent: (e) => {
        if (flags.json) return
        if (e.type === 'host-destroying') err(style.dim(`${e.host}: ${e.what}`, process.stderr))
        else out(`${style.green('✔')} ${e.host}: ${e.how}${e.packages ? ` (${e.packages} packages)` : ''}`)
      },
    })
    if (flags.json) out(JSON.stringify(report, null, 2))
  })
