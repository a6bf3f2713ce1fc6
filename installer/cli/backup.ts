// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { roles } from '../../roles/index.ts'
import { backupCloud } from '../backup/backup.ts'
import { restoreCloud } from '../backup/restore.ts'
import { UsageError } from '../errors.ts'
import { openProject } from '../commands/open.ts'
import { out, style } from './_style.ts'
import { projectOptions, withHostAccess, withProject, type ProjectFlags } from './_options.ts'

type HostFlags = ProjectFlags & { local?: boolean; trustNewHosts?: boolean; json?: boolean }
const step = (json?: boolean) => (e: { title: string }) => (json ? undefined : out(`${style.dim('→')} ${e.title}`))

export const backupCommand = withHostAccess(
  withProject(
    new Command('backup').description(
      "save what a cloud cannot be made again from its inventory: every service's database, Glance's images, and the deployment's secrets, CA and overrides, in one file (mode 0600)",
    ),
  ),
  { trustNewHosts: false },
)
  .option('-o, --output <file>', 'the file to write (default: .stackhouse/backups/<cloud>-<time>.tar beside the inventory)')
  .option('--json', 'print the report as JSON')
  .addHelpText(
    'after',
    "\nNot in a backup: volumes, Swift's objects and servers' disks (the cloud's users' data; back them up with Ceph's or the storage's own tools).",
  )
  .action(async (flags: HostFlags & { output?: string }) => {
    const project = openProject(projectOptions(flags))
    const report = await backupCloud(project, roles, {
      ...(flags.output ? { output: flags.output } : {}),
      ...(flags.local ? { local: true } : {}),
      onEvent: step(flags.json),
    })
    if (flags.json) return out(JSON.stringify(report, null, 2))
    out(`${style.green('✔')} ${report.file} (${(report.bytes / 1024 / 1024).toFixed(1)} MiB, mode 0600: it holds the cloud's secrets)`)
    out(`  databases: ${report.manifest.databases.join(', ')}`)
    for (const d of report.manifest.data) out(`  ${d.role}: ${d.dirs.join(', ')} from ${d.host}`)
  })

export const restoreCommand = withHostAccess(
  withProject(
    new Command('restore')
      .description(
        "bring a cloud back from a backup onto fresh hosts of its inventory: its secrets and CA put back, the cloud deployed, its databases and Glance's images loaded, and deployed again",
      )
      .argument('<file>', 'a file made by stackhouse backup'),
  ),
  { trustNewHosts: true },
)
  .option('--only <roles>', 'restore and deploy only these roles (comma-separated), as deploy --only')
  .option('--yes', "required: the cloud's databases are replaced by the backup's")
  .option('--json', 'print the report as JSON')
  .addHelpText(
    'after',
    '\nA failed restore is run again as it was. Refused when the deployment folder holds other secrets or CA than the backup.',
  )
  .action(async (file: string, flags: HostFlags & { only?: string; yes?: boolean }) => {
    if (!flags.yes)
      throw new UsageError(
        "restore replaces the cloud's databases with the backup's",
        `run again with --yes: stackhouse restore ${file} --yes`,
      )
    const report = await restoreCloud(projectOptions(flags), file, roles, {
      ...(flags.only ? { only: flags.only.split(',').map((r) => r.trim()) } : {}),
      ...(flags.local ? { local: true } : {}),
      ...(flags.trustNewHosts ? { trustNewHosts: true } : {}),
      renderer: flags.json || !process.stdout.isTTY ? 'silent' : 'default',
      onEvent: step(flags.json),
    })
    if (flags.json) return out(JSON.stringify(report, null, 2))
    out(`${style.green('✔')} ${report.cloud} restored from its backup of ${report.created}`)
    out(`  databases: ${report.databases.join(', ')}${report.data.length ? `; data: ${report.data.join(', ')}` : ''}`)
    out(`  from the backup: ${report.state.length ? report.state.join(', ') : 'nothing (this deployment had the same secrets and CA)'}`)
    out(`  the deploy after it changed ${report.changes.length} thing(s)`)
  })
