// SPDX-License-Identifier: Apache-2.0
// `stackhouse restore`: a cloud back from a backup, onto fresh hosts of the same
// inventory (a replaced server, a rebuilt lab). Checked before anything changes: the
// archive (installer/backup/archive.ts), the cloud's name, and that this deployment
// holds no other secrets, CA or overrides than the backup's. Then the deployment's
// state is put back, the cloud deployed with it (same passwords, keys and CA) and with
// the roles' data folders put back before each role configures (installer/tasks/put-back.ts),
// the services that use the databases stopped, the databases loaded, the services
// started, the roles' after-restore commands run (Neutron's resync of OVN), and a
// second deploy puts back what the old data says otherwise (endpoints of a moved
// host, say). Every step can be re-run: so can the whole.
import { chmodSync, copyFileSync, cpSync, existsSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { deployCloud, type DeployCloudOptions } from '../commands/deploy.ts'
import type { DeployReport } from '../deploy.ts'
import { UsageError } from '../errors.ts'
import type { ModelHost } from '../model/types.ts'
import { resolveCloud } from '../plan/resolve.ts'
import { loadProject, projectPaths, readInventory, type Project, type ProjectOptions } from '../project.ts'
import type { Role } from '../role/contract.ts'
import { reachHosts, type ReachOptions } from '../runner/connect.ts'
import { readSecrets, writeSecrets } from '../secrets/store.ts'
import { shellQuote } from '../shell.ts'
import { tlsDir } from '../tls/material.ts'
import { mkdirPrivate } from '../private-dir.ts'
import { filesUnder, openBackupArchive, sha256File, type OpenedBackup } from './archive.ts'
import { backupHost } from './backup.ts'
import { mustRun, withHostTempDir } from './on-host.ts'
import type { Transport } from '../transport/types.ts'
import type { PutBack } from '../tasks/put-back.ts'

const fix = 'fix what it names and run restore again'

export type RestoreEvent = { type: 'step'; title: string }

export interface RestoreOptions extends ReachOptions, Pick<DeployCloudOptions, 'renderer' | 'sandboxHosts'> {
  /** Restore and deploy only these roles (a partial cloud, as `deploy --only`). */
  only?: string[]
  onEvent?: (e: RestoreEvent) => void
  onDeployEvent?: DeployCloudOptions['onEvent']
}

export interface RestoreReport {
  cloud: string
  created: string
  databases: string[]
  data: string[]
  /** Which of secrets, tls and overrides were written from the backup (the rest were already the same). */
  state: string[]
  /** What the second deploy changed after the data was back. */
  changes: DeployReport['changes']
}

/** Compare files of this deployment with the backup's copies (`names` relative to both folders, or every file): absent, the same, or different. */
async function sameFiles(ours: string, theirs: string, names?: readonly string[]): Promise<'absent' | 'same' | 'different'> {
  if (!existsSync(ours)) return 'absent'
  if (!existsSync(theirs)) return 'different'
  const a = names ?? filesUnder(ours, ours)
  const b = names ?? filesUnder(theirs, theirs)
  if (a.join('\n') !== b.join('\n')) return 'different'
  for (const f of a) {
    if (!existsSync(join(ours, f)) || !existsSync(join(theirs, f))) return 'different'
    if ((await sha256File(join(ours, f))) !== (await sha256File(join(theirs, f)))) return 'different'
  }
  return 'same'
}

/** Put the backup's secrets, TLS files and overrides in place: refused when this deployment has others. */
async function restoreState(backup: OpenedBackup, opts: ProjectOptions): Promise<string[]> {
  const paths = projectPaths(opts)
  const state = join(backup.dir, 'state')
  const theirs = readSecrets(join(state, 'secrets.yaml'))
  const written: string[] = []
  const other = (what: string, path: string) =>
    new UsageError(
      `${path} holds other ${what} than the backup's: restoring would change the cloud they belong to`,
      `restore into a deployment folder of its own (move ${path} away if that cloud is gone)`,
    )
  let secrets: 'absent' | 'same' | 'different' = 'absent'
  if (existsSync(paths.secrets)) {
    // Ours may hold more (a restore that stopped after loading them generated the missing ones).
    const ours = readSecrets(paths.secrets)
    secrets = Object.keys(theirs).every((k) => ours[k] === theirs[k]) ? 'same' : 'different'
  }
  // The CA is what must match: server certificates are made again when names or time left say so.
  const ca = ['ca.crt', 'ca.key']
  const tls = existsSync(join(state, 'tls')) ? await sameFiles(tlsDir(paths.stateDir), join(state, 'tls'), ca) : 'same'
  const overrides = await sameFiles(paths.overrides, join(state, 'overrides'))
  // Checked all before any is written: nothing half-changed.
  if (secrets === 'different') throw other('secrets', paths.secrets)
  if (tls === 'different') throw other('CA and certificates', tlsDir(paths.stateDir))
  if (overrides === 'different') throw other('overrides', paths.overrides)
  if (secrets === 'absent') {
    mkdirPrivate(paths.stateDir)
    writeSecrets(paths.secrets, theirs)
    written.push('secrets')
  }
  if (tls === 'absent') {
    mkdirPrivate(paths.stateDir)
    copyPrivateTree(join(state, 'tls'), tlsDir(paths.stateDir))
    written.push('tls')
  }
  if (overrides === 'absent' && existsSync(join(state, 'overrides'))) {
    cpSync(join(state, 'overrides'), paths.overrides, { recursive: true })
    written.push('overrides')
  }
  return written
}

export async function restoreCloud(
  opts: ProjectOptions,
  file: string,
  roles: readonly Role[],
  how: RestoreOptions = {},
): Promise<RestoreReport> {
  const emit = how.onEvent ?? (() => {})
  const inventory = readInventory(opts)
  const backup = await openBackupArchive(file)
  try {
    const { manifest } = backup
    const name = inventory.name
    if (name !== manifest.cloud)
      throw new UsageError(
        `${file} is a backup of cloud ${manifest.cloud}, and the inventory is cloud ${name}`,
        'restore with the inventory of that cloud (the backup holds a copy: state/inventory.yml)',
      )
    emit({ type: 'step', title: `backup of ${manifest.cloud} made ${manifest.created} by Stackhouse ${manifest.stackhouse}` })
    const state = await restoreState(backup, opts)
    const project = loadProject({ ...opts, makeCertificates: true })
    const plan = resolveCloud(project.model, roles)
    const selected = plan.roles.filter((r) => !how.only || how.only.includes(r.name))
    const backupOf = (r: Role | undefined) => r?.backup?.(project.model)
    // Role data goes back only where the role says, whatever the manifest's list.
    for (const d of manifest.data) {
      const role = selected.find((r) => r.name === d.role)
      const bad = d.dirs.filter((dir) => !backupOf(role)?.paths?.includes(dir))
      if (role && (bad.length || !d.dirs.length))
        throw new UsageError(
          `${file} carries ${bad.join(', ') || 'no folder'} for ${d.role}, which the role does not keep`,
          'use a backup made by stackhouse backup',
        )
    }

    // Each role's folders go back on the host that keeps them, before the role configures there.
    const putBack = manifest.data.flatMap((d) => {
      const role = selected.find((r) => r.name === d.role)
      const host = role && backupHost(plan, role)
      const stop = backupOf(role)?.stopWhileCopied ?? []
      return host ? [{ role: d.role, host: host.name, archive: join(backup.dir, d.file), paths: d.dirs, stop }] : []
    })
    const data = putBack.map((p) => `${p.role} on ${p.host}`)
    emit({
      type: 'step',
      title: `deploy the cloud with the backup’s secrets and CA${data.length ? `, and the data of ${data.join(', ')}` : ''}`,
    })
    await deployOrThrow(project, roles, how, 'the first deploy', putBack)

    // The databases of the selected roles that the backup holds, and every role that uses them.
    const owned = (r: Role) => r.databases?.(project.model).map((d) => d.database) ?? []
    const databases = manifest.databases.filter((d) => selected.some((r) => owned(r).includes(d)))
    const dbRoles = plan.roles.filter((r) => owned(r).some((d) => databases.includes(d)))
    const stops = plan.hosts
      .map((h) => ({ host: h.host, units: h.roles.filter((r) => dbRoles.includes(r.role)).flatMap((r) => r.units) }))
      .filter((s) => s.units.length)
    const databaseHost = plan.hosts.find((h) => h.roles.some((r) => r.role.name === 'mariadb'))!.host
    // What the restored databases feed, brought into line once their services run again.
    const after = selected.flatMap((role) => {
      const host = backupHost(plan, role)
      const commands = backupOf(role)?.afterRestore ?? []
      return host && commands.length ? [{ role: role.name, host, commands }] : []
    })
    // memcached holds what the replaced databases said (Keystone's cache): emptied by a restart.
    const caches = plan.hosts
      .map((h) => ({ host: h.host, units: h.roles.filter((r) => r.role.name === 'memcached').flatMap((r) => r.units) }))
      .filter((c) => c.units.length)
    const hosts = unique([...stops.map((s) => s.host), ...caches.map((c) => c.host), databaseHost, ...after.map((a) => a.host)])
    const transports = await reachHosts(hosts, project.paths, how)
    try {
      const on = (h: ModelHost) => transports.get(h.name)!
      emit({ type: 'step', title: `stop the services that use the databases (${unique(stops.flatMap((s) => s.units)).length} units)` })
      await Promise.all(
        stops.map((s) => mustRun(on(s.host), 'stopping the services', `systemctl stop -- ${s.units.map(shellQuote).join(' ')}`, fix)),
      )

      emit({ type: 'step', title: `load databases ${databases.join(', ')} on ${databaseHost.name}` })
      // --sandbox: the client runs no shell escape (\! or system) an altered dump might hold;
      // --one-database: each load touches its own database only, whatever else the dump says.
      await loadOnHost(on(databaseHost), join(backup.dir, 'databases.sql.gz'), (f) =>
        databases.map((db) => `gunzip -c -- ${f} | mariadb --sandbox --one-database ${shellQuote(db)}`).join('\n'),
      )

      await Promise.all(
        caches.map((c) => mustRun(on(c.host), 'emptying the caches', `systemctl restart -- ${c.units.map(shellQuote).join(' ')}`, fix)),
      )
      emit({ type: 'step', title: 'start the services again' })
      await Promise.all(
        stops.map((s) => mustRun(on(s.host), 'starting the services', `systemctl start -- ${s.units.map(shellQuote).join(' ')}`, fix)),
      )
      for (const a of after)
        for (const c of a.commands) {
          emit({ type: 'step', title: `${a.role}: ${c.title} on ${a.host.name}` })
          await mustRun(on(a.host), c.title, c.run, fix)
        }
      emit({ type: 'step', title: 'deploy again: what the restored data says otherwise is put right' })
      const second = await deployOrThrow(project, roles, how, 'the deploy after the restore')
      return {
        cloud: manifest.cloud,
        created: manifest.created,
        databases,
        data,
        state,
        changes: second.changes,
      }
    } finally {
      await Promise.all([...transports.values()].map((t) => t.close()))
    }
  } finally {
    backup.close()
  }
}

const unique = <T extends ModelHost | string>(xs: T[]): T[] =>
  xs.filter((x, i) => xs.findIndex((y) => (typeof y === 'string' ? y === x : y.name === (x as ModelHost).name)) === i)

async function deployOrThrow(
  project: Project,
  roles: readonly Role[],
  how: RestoreOptions,
  what: string,
  putBack: readonly PutBack[] = [],
): Promise<DeployReport> {
  const report = await deployCloud(project, roles, {
    ...(putBack.length ? { putBack } : {}),
    ...(how.only ? { only: how.only } : {}),
    ...(how.connect ? { connect: how.connect } : {}),
    ...(how.trustNewHosts ? { trustNewHosts: true } : {}),
    ...(how.local ? { local: true } : {}),
    ...(how.sandboxHosts ? { sandboxHosts: how.sandboxHosts } : {}),
    renderer: how.renderer ?? 'silent',
    ...(how.onDeployEvent ? { onEvent: how.onDeployEvent } : {}),
  })
  if (report.failures.length) {
    const lines = report.failures.map((f) => {
      const tail = f.stderr?.trim().split('\n').slice(-3).join(' | ')
      return `${f.host} ${f.task}: ${f.message}${tail ? ` (${tail})` : ''}; log: ${f.log}`
    })
    throw new UsageError(`${what} failed: ${lines.join('; ')}`, 'fix what it names and run restore again')
  }
  return report
}

/** Copy `local` to a private file on the host and run `command` on it (its quoted path given). */
async function loadOnHost(t: Transport, local: string, command: (file: string) => string): Promise<void> {
  const name = basename(local)
  await withHostTempDir(t, async (dir) => {
    await t.upload(local, `${dir}/${name}`, { mode: 0o600, owner: 'root', group: 'root' })
    await mustRun(t, `loading ${name}`, command(shellQuote(`${dir}/${name}`)), fix)
  })
}

/** `from`'s files into `to`, each 0600 in folders 0700: the CA's key among them. */
function copyPrivateTree(from: string, to: string): void {
  for (const f of filesUnder(from, from)) {
    mkdirPrivate(dirname(join(to, f)))
    copyFileSync(join(from, f), join(to, f))
    chmodSync(join(to, f), 0o600)
  }
}
