// SPDX-License-Identifier: Apache-2.0
// `stackhouse backup`: what a cloud cannot be made again from its inventory, in one
// file. The databases of every role (one consistent dump: --single-transaction over
// all of them at once), the role data folders roles declare (Glance's images), and
// the deployment's own state: secrets, the CA and certificates, overrides and the
// inventory. Read-only on the hosts except a private temporary folder, removed after.
// NOTE: volumes (Ceph or LVM), Swift's objects and servers' disks are data of the
// cloud's users, far larger than this; they are not in a backup (the README says so).
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { UsageError } from '../errors.ts'
import { stackhouseVersion } from '../paths.ts'
import { mkdirPrivate } from '../private-dir.ts'
import { resolveCloud, targetOf, type CloudPlan } from '../plan/resolve.ts'
import type { Project } from '../project.ts'
import type { Role } from '../role/contract.ts'
import { reachHosts, type ReachOptions } from '../runner/connect.ts'
import { shellQuote } from '../shell.ts'
import { tlsDir } from '../tls/material.ts'
import type { ModelHost } from '../model/types.ts'
import { writeBackupArchive, type BackupManifest } from './archive.ts'
import { mustRun, withHostTempDir } from './on-host.ts'

export type BackupEvent = { type: 'step'; title: string }

export interface BackupOptions extends ReachOptions {
  /** The archive to write. @default <state folder>/backups/<cloud>-<UTC time>.tar */
  output?: string
  onEvent?: (e: BackupEvent) => void
}

export interface BackupReport {
  file: string
  manifest: BackupManifest
  /** The archive's size in bytes. */
  bytes: number
}

/** What a backup of this cloud takes, and from where: derived from the roles. */
export interface BackupSources {
  databaseHost: ModelHost
  databases: string[]
  data: { role: string; host: ModelHost; paths: string[]; stopWhileCopied: string[] }[]
}

export function backupSources(plan: CloudPlan): BackupSources {
  const databaseRole = plan.roles.find((r) => r.name === 'mariadb')
  const databaseHost = databaseRole && plan.hostsOf(databaseRole)[0]
  if (!databaseHost) throw new UsageError('this cloud has no database host (role mariadb is off)', 'nothing to back up')
  const databases = [...new Set(plan.hosts.flatMap((h) => h.roles.flatMap((r) => r.databases.map((d) => d.database))))].sort()
  const data = plan.roles.flatMap((role) => {
    const part = role.backup?.(plan.model)
    const host = part && backupHost(plan, role)
    return part?.paths?.length && host
      ? [{ role: role.name, host, paths: [...part.paths], stopWhileCopied: [...(part.stopWhileCopied ?? [])] }]
      : []
  })
  return { databaseHost, databases, data }
}

/** The host that keeps a role's backup folders and runs its after-restore commands. */
export function backupHost(plan: CloudPlan, role: Role): ModelHost | undefined {
  return targetOf(role.backup?.(plan.model)?.on ?? 'first', plan.hostsOf(role))[0]
}

const fix = 'fix the host and run the backup again'

/**
 * `command` with `units` stopped, and started again whatever it did: its status is
 * the command's. Units that were not running are left so.
 */
export function whileStopped(units: readonly string[], command: string): string {
  if (!units.length) return command
  const list = units.map(shellQuote).join(' ')
  return [
    `was=$(for u in ${list}; do systemctl is-active --quiet -- "$u" && echo "$u"; done; true)`,
    `systemctl stop -- ${list}`,
    'rc=0',
    `( ${command} ) || rc=$?`,
    // Word splitting on purpose: unit names hold no blanks.
    '[ -z "$was" ] || systemctl start -- $was',
    'exit "$rc"',
  ].join('\n')
}

export async function backupCloud(project: Project, roles: readonly Role[], opts: BackupOptions = {}): Promise<BackupReport> {
  const emit = opts.onEvent ?? (() => {})
  const { model, paths } = project
  const sources = backupSources(resolveCloud(model, roles))
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z')
  const output = resolve(opts.output ?? join(paths.stateDir, 'backups', `${model.name}-${stamp}.tar`))
  if (existsSync(output)) throw new UsageError(`${output} exists`, 'name another file with --output, or move that one away')
  if (!opts.output) mkdirPrivate(dirname(output))
  if (!existsSync(dirname(output)))
    throw new UsageError(`${dirname(output)}: no such folder`, 'make it, or name another file with --output')
  const hosts = [sources.databaseHost, ...sources.data.map((d) => d.host)].filter(
    (h, i, all) => all.findIndex((x) => x.name === h.name) === i,
  )
  const transports = await reachHosts(hosts, paths, opts)
  // Made once the hosts answer, and removed whatever happens after.
  const staging = mkdtempSync(join(dirname(output), '.stackhouse-backup-'))
  try {
    const db = transports.get(sources.databaseHost.name)!
    emit({ type: 'step', title: `the databases, from ${sources.databaseHost.name}` })
    // A cloud deployed in part (deploy --only) has some of the databases: those are taken.
    const listed = await db.exec('mariadb --batch --skip-column-names -e "SHOW DATABASES"')
    if (listed.code !== 0) throw new UsageError(`${db.host}: cannot list the databases: ${listed.stderr.trim()}`, fix)
    const existing = new Set(listed.stdout.split('\n'))
    const databases = sources.databases.filter((d) => existing.has(d))
    if (!databases.length) throw new UsageError(`${db.host} holds none of the cloud's databases`, 'deploy the cloud first')
    await withHostTempDir(db, async (tmp) => {
      // One dump of every database: --single-transaction reads them all at one point in time.
      const dump = `mariadb-dump --single-transaction --routines --events --triggers --databases ${databases.map(shellQuote).join(' ')}`
      await mustRun(db, 'the database dump', `${dump} | gzip -c > ${shellQuote(`${tmp}/databases.sql.gz`)}`, fix)
      await db.download(`${tmp}/databases.sql.gz`, join(staging, 'databases.sql.gz'))
    })

    const data: BackupManifest['data'] = []
    for (const d of sources.data) {
      const t = transports.get(d.host.name)!
      const present = await t.exec(d.paths.map((p) => `[ -e ${shellQuote(p)} ] && echo ${shellQuote(p)}`).join('; ') + '; true')
      const dirs = present.stdout.split('\n').filter((l) => d.paths.includes(l))
      if (!dirs.length) continue
      emit({ type: 'step', title: `${d.role}: ${dirs.join(', ')} from ${d.host.name}` })
      const file = `data/${d.role}.tar.gz`
      mkdirPrivate(join(staging, 'data'))
      await withHostTempDir(t, async (tmp) => {
        const members = dirs.map((x) => shellQuote(x.slice(1))).join(' ')
        const tar = `tar -C / -czf ${shellQuote(`${tmp}/data.tar.gz`)} -- ${members}`
        await mustRun(t, `the archive of ${dirs.join(', ')}`, whileStopped(d.stopWhileCopied, tar), fix)
        await t.download(`${tmp}/data.tar.gz`, join(staging, file))
      })
      data.push({ role: d.role, host: d.host.name, dirs, file })
    }

    emit({ type: 'step', title: 'the deployment: secrets, CA and certificates, overrides, inventory' })
    mkdirPrivate(join(staging, 'state'))
    copyFileSync(paths.secrets, join(staging, 'state', 'secrets.yaml'))
    if (paths.inventory) copyFileSync(paths.inventory, join(staging, 'state', 'inventory.yml'))
    const tls = tlsDir(paths.stateDir)
    if (existsSync(tls)) cpSync(tls, join(staging, 'state', 'tls'), { recursive: true })
    if (existsSync(paths.overrides)) cpSync(paths.overrides, join(staging, 'state', 'overrides'), { recursive: true })

    const manifest = await writeBackupArchive(
      staging,
      {
        format: 'stackhouse-backup/1',
        stackhouse: stackhouseVersion(),
        cloud: model.name,
        created: new Date().toISOString(),
        hosts: model.hosts.map((h) => h.name),
        databaseHost: sources.databaseHost.name,
        databases,
        data,
      },
      output,
    )
    return { file: output, manifest, bytes: statSync(output).size }
  } finally {
    await Promise.all([...transports.values()].map((t) => t.close()))
    rmSync(staging, { recursive: true, force: true })
  }
}
