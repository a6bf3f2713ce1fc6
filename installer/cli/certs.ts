// SPDX-License-Identifier: Apache-2.0
// `stackhouse certs status`: the cloud's TLS certificates, whom they name and how
// long they have left (reads files only). `certs renew`: the API certificate made
// again and deployed; a deploy also makes and renews it when it must.
import { Command } from 'commander'
import { spawnSync } from 'node:child_process'
import { applianceDeploy } from '../../appliance/first-boot/deploy.ts'
import { applianceFiles } from '../../appliance/first-boot/files.ts'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { inventoryDir, readInventory, projectPaths } from '../project.ts'
import { resolveLocalPath } from '../inventory/paths.ts'
import { renewWithinDays } from '../tls/ca.ts'
import { certificateInfo, type CertificateInfo } from '../tls/certificate.ts'
import { tlsDir } from '../tls/material.ts'
import { deployCloud } from '../commands/deploy.ts'
import { openProject } from '../commands/open.ts'
import { UsageError } from '../errors.ts'
import { roles } from '../../roles/index.ts'
import { out, style } from './_style.ts'
import { DeployFailed } from './deploy.ts'
import { projectOptions, withHostAccess, withProject, type ProjectFlags } from './_options.ts'

const status = withProject(new Command('status').description("the cloud's TLS certificates: names, expiry, days left (reads files only)"))
  .option('--json', 'print as JSON')
  .action((flags: ProjectFlags & { json?: boolean }) => {
    const opts = projectOptions(flags)
    const inventory = readInventory({ ...opts, localFiles: false })
    const paths = projectPaths(opts)
    const dir = tlsDir(paths.stateDir)
    const files = inventory.tls.certificate
      ? [inventory.tls.certificate, ...(inventory.tls.ca ? [inventory.tls.ca] : [])].map((f) => resolveLocalPath(f, inventoryDir(paths)))
      : existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith('.crt'))
            .sort()
            .map((f) => join(dir, f))
        : []
    const certs: CertificateInfo[] = files.filter((f) => existsSync(f)).map((f) => certificateInfo(f))
    const source = inventory.tls.certificate ? 'operator' : 'deployment CA'
    if (flags.json) return out(JSON.stringify({ enabled: inventory.tls.enabled, source, certificates: certs }, null, 2))
    if (!inventory.tls.enabled) out(style.dim('TLS is off (tls.enabled: false)'))
    if (!certs.length)
      return out(`no certificate yet${inventory.tls.enabled ? ': stackhouse deploy (or secrets generate) makes them' : ''}`)
    for (const c of certs) {
      const left = c.daysLeft <= renewWithinDays ? style.yellow(`${c.daysLeft} days left`) : `${c.daysLeft} days left`
      out(`${c.isCa ? 'CA  ' : 'cert'}  ${c.subject}  until ${c.notAfter.toISOString().slice(0, 10)} (${left})  ${style.dim(c.file)}`)
      if (!c.isCa) out(`      names: ${[...c.names.dns, ...c.names.ips].join(', ')}`)
    }
    if (source === 'deployment CA')
      out(style.dim(`a deploy renews a certificate with ${renewWithinDays} days or fewer left, or whose names changed`))
  })

const renew = withHostAccess(
  withProject(
    new Command('renew').description(
      "make the API certificate again (a new key, the same names, the deployment's CA) and put it on the hosts: only what serves it restarts",
    ),
  ),
  { trustNewHosts: true, localHelp: 'run on this machine instead of over SSH (a one-host cloud deployed with --local)' },
)
  .option('--json', 'print the result as JSON')
  .action(async (flags: ProjectFlags & { json?: boolean; local?: boolean; trustNewHosts?: boolean }) => {
    const opts = projectOptions(flags)
    // On the appliance its own cloud is meant: deployed here, with the guest image it carries.
    const onAppliance = opts.inventory === applianceFiles.inventory
    const inventory = readInventory({ ...opts, localFiles: false })
    if (!inventory.tls.enabled) throw new UsageError('TLS is off: there is no certificate to renew', 'set tls.enabled: true, then deploy')
    if (inventory.tls.certificate)
      throw new UsageError(
        'the certificate is your own (tls.certificate): Stackhouse does not sign it',
        'replace the files tls.certificate and tls.key name, then run stackhouse deploy',
      )
    const project = openProject({ ...opts, forDeploy: true, makeCertificates: 'renew' })
    const issued = (project.certificates ?? []).filter((c) => c.created)
    const report = await deployCloud(project, roles, {
      renderer: flags.json || !process.stdout.isTTY ? 'silent' : 'default',
      ...(onAppliance ? applianceDeploy : { ...(flags.local ? { local: true } : {}) }),
      ...(flags.trustNewHosts ? { trustNewHosts: true } : {}),
    })
    // The lab guide read the certificate when it started: on the appliance it is restarted; elsewhere, said.
    const guide = onAppliance
      ? spawnSync('systemctl', ['try-restart', 'stackhouse-labs.service'], { stdio: 'ignore', timeout: 60_000 }).status === 0
      : false
    // The units restarted because a file of theirs changed: the certificate's users.
    const restarted = report.changes
      .filter((c) => c.task.endsWith('.service') && c.detail?.startsWith('restart'))
      .map((c) => `${c.host}: ${c.title}`)
    const info = issued.map((c) => certificateInfo(c.cert))
    if (flags.json)
      out(
        JSON.stringify(
          { renewed: info, restarted, guideRestarted: guide, changes: report.changes.length, failures: report.failures },
          null,
          2,
        ),
      )
    else {
      for (const c of info)
        out(
          `${style.green('✔')} renewed ${c.file}: until ${c.notAfter.toISOString().slice(0, 10)}, names ${[...c.names.dns, ...c.names.ips].join(', ')}`,
        )
      out(restarted.length ? `restarted: ${restarted.join(', ')}` : 'nothing needed a restart')
      out(
        guide
          ? 'restarted the lab guide (stackhouse-labs.service)'
          : style.dim('a lab guide running with stackhouse lab serve serves the old certificate until it is restarted'),
      )
    }
    if (report.failures.length) throw new DeployFailed(report)
  })

export const certsCommand = new Command('certs')
  .description("the cloud's TLS certificates (tls.enabled)")
  .addCommand(status)
  .addCommand(renew)
