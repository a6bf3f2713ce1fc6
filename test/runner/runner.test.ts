// SPDX-License-Identifier: Apache-2.0
// The engine end to end against recording hosts: ordering, idempotence, restarts
// only on change, --check, failure reports and redacted logs.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildPhases } from '../../installer/plan/phases.ts'
import { render } from '../../installer/render/render.ts'
import { defineRole, hostsIn, type Role } from '../../installer/role/index.ts'
import { runWithListr, type ProgressEvent } from '../../installer/runner/listr.ts'
import { HostLog, redactor } from '../../installer/runner/log.ts'
import type { Model } from '../../installer/model/types.ts'
import { fixtureModel } from '../helpers.ts'
import { FakeHost } from './fake-host.ts'
import { testCatalog } from '../helpers.ts'

const db = defineRole({
  name: 'db',
  description: 'a database',
  enabled: () => true,
  hosts: (m) => hostsIn(m, 'control'),
  packages: () => ['mariadb-server'],
  files: ({ model }) => [{ path: '/etc/db.cnf', content: `[mysqld]\nport = ${model.database.port}\n` }],
  units: () => ['db.service'],
})
const api = defineRole({
  name: 'api',
  description: 'an API',
  enabled: () => true,
  needs: ['db'],
  hosts: (m) => hostsIn(m, 'all'),
  packages: () => ['api'],
  files: ({ model, host }) => [
    {
      path: '/etc/api.conf',
      content: `[DEFAULT]\nmy_ip = ${host.address}\npassword = ${model.secrets.admin_password}\n`,
      mode: 0o640,
      group: 'api',
    },
  ],
  units: () => ['api.service'],
  bootstrap: () => [
    { id: 'api.db-sync', title: 'api-manage db sync', on: 'first', unless: 'api-manage db check', run: 'api-manage db sync' },
  ],
})

const model = (): Model => ({ ...fixtureModel('3-node'), config: {} })

async function run(m: Model, roles: Role[], hosts: Map<string, FakeHost>, check = false) {
  const files = render(m, roles)
  const phases = buildPhases(m, roles, files, { admin: () => Promise.reject(new Error('no keystone here')) })
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-run-'))
  const logs = new Map(m.hosts.map((h) => [h.name, new HostLog(dir, h.name, redactor(m.secrets, testCatalog))]))
  const state = await runWithListr(phases, hosts, logs, { check, renderer: 'silent' })
  return { state, phases, dir }
}

const fakeHosts = (m: Model) => new Map(m.hosts.map((h) => [h.name, new FakeHost(h.name, h.address)]))
const changedCount = (s: Awaited<ReturnType<typeof run>>['state']) => s.outcomes.filter((o) => o.result.status === 'changed').length

describe('runner', () => {
  it("installs each role's packages in its own transaction, in order, and runs each role once its packages are in", async () => {
    const m = model()
    const hosts = fakeHosts(m)
    for (const h of hosts.values()) h.failing.set('^api-manage db check$', 'not synced')
    const { phases, state } = await run(m, [db, api], hosts)
    expect(phases.map((p) => p.id)).toEqual(['libraries.packages', 'db.packages', 'api.packages', 'db', 'api'])
    expect(phases.map((p) => p.needs)).toEqual([
      ['prepare'],
      ['prepare', 'libraries.packages'],
      ['prepare', 'libraries.packages', 'db.packages'],
      ['prepare', 'db.packages'],
      ['prepare', 'api.packages', 'db'],
    ])
    expect(state.failures).toEqual([])
    const ctl = hosts.get('ctl1')!
    expect(ctl.commands.filter((c) => /apt-get -y .* install /.test(c))).toEqual([
      expect.stringMatching(/ install mariadb-server /),
      expect.stringMatching(/ install api /),
    ])
    // db's packages went in before api's, and db's phase ran after them
    const done = (phase: string) => state.outcomes.findIndex((o) => o.host === 'ctl1' && o.phase === phase)
    expect(done('db.packages')).toBeLessThan(done('api.packages'))
    expect(done('db.packages')).toBeLessThan(done('db'))
    expect([...ctl.installed].sort()).toEqual(['api', 'mariadb-server'])
    expect([...hosts.get('cmp1')!.installed]).toEqual(['api'])
    // db sync runs on the role's first host only (on: 'first')
    expect([...hosts.values()].filter((h) => h.commands.includes('api-manage db sync')).map((h) => h.host)).toEqual(['ctl1'])
  })

  it("--only prepare installs every role's packages and runs no role phase; --only api installs only api's", () => {
    const m = model()
    const files = render(m, [db, api])
    const phases = (only: string[]) =>
      buildPhases(m, [db, api], files, { only, admin: () => Promise.reject(new Error('no keystone here')) })
    const packagesOn = (p: ReturnType<typeof phases>, host: string) =>
      p
        .filter((x) => x.id.endsWith('.packages'))
        .map((x) => `${x.id}: ${x.hosts.find((h) => h.host.name === host)?.tasks.map((t) => t.title) ?? 'none'}`)
    const prepare = phases(['prepare'])
    const libraries = 'libraries.packages: Python libraries of every role'
    expect(prepare.map((p) => p.id)).toEqual(['libraries.packages', 'db.packages', 'api.packages'])
    expect(packagesOn(prepare, 'ctl1')).toEqual([libraries, 'db.packages: 1 packages', 'api.packages: 1 packages'])
    const apiOnly = phases(['api'])
    expect(apiOnly.map((p) => p.id)).toEqual(['libraries.packages', 'api.packages', 'api'])
    expect(packagesOn(apiOnly, 'ctl1')).toEqual([libraries, 'api.packages: 1 packages'])
  })

  it("on a no-change run reads each phase's files and units in one command per host, then runs only the guards", async () => {
    // GIVEN a deployed cloud
    const m = model()
    const hosts = fakeHosts(m)
    await run(m, [db, api], hosts)
    for (const h of hosts.values()) {
      h.satisfied.add('api-manage db check')
      h.commands.length = 0
    }
    // WHEN deployed again
    expect(changedCount((await run(m, [db, api], hosts)).state)).toBe(0)
    // THEN ctl1 answers one command per phase (packages; db's file and unit; api's file and unit) and api's db-sync guard
    const kind = (c: string) => (c.startsWith('dpkg-query') ? 'packages' : /^for p in .*; for u in /.test(c) ? 'files and units' : c)
    expect(hosts.get('ctl1')!.commands.map(kind)).toEqual(['packages', 'files and units', 'files and units', 'api-manage db check'])
    expect(hosts.get('cmp1')!.commands.map(kind)).toEqual(['packages', 'files and units'])
  })

  it('changes nothing on a second run, and restarts a service only when its file changed', async () => {
    const m = model()
    const hosts = fakeHosts(m)
    await run(m, [db, api], hosts)
    for (const h of hosts.values()) h.satisfied.add('api-manage db check')
    const second = await run(m, [db, api], hosts)
    expect(changedCount(second.state)).toBe(0)
    // GIVEN one value changes WHEN re-deployed THEN only that file is written and only its service restarts
    const m2 = { ...m, database: { ...m.database, port: 3307 } }
    for (const h of hosts.values()) h.writes.length = 0
    const third = await run(m2, [db, api], hosts)
    expect(third.state.outcomes.filter((o) => o.result.status === 'changed').map((o) => `${o.host} ${o.title}`)).toEqual([
      'ctl1 /etc/db.cnf',
      'ctl1 db.service',
    ])
    expect(hosts.get('ctl1')!.writes).toEqual(['/etc/db.cnf'])
    expect(hosts.get('ctl1')!.units.get('db.service')!.restarts).toBe(1)
    expect(hosts.get('ctl1')!.units.get('api.service')!.restarts).toBe(0)
  })

  it('--check predicts the restart a changed file would cause, and changes nothing', async () => {
    // GIVEN a deployed cloud and a value that changes one file
    const m = model()
    const hosts = fakeHosts(m)
    await run(m, [db, api], hosts)
    for (const h of hosts.values()) h.writes.length = 0
    const m2 = { ...m, database: { ...m.database, port: 3307 } }
    // WHEN checked THEN the file and the restart of its service are reported, and nothing was written or restarted
    const checked = await run(m2, [db, api], hosts, true)
    expect(
      checked.state.outcomes.filter((o) => o.result.status === 'changed').map((o) => `${o.host} ${o.title}: ${o.result.detail}`),
    ).toEqual(['ctl1 /etc/db.cnf: content', 'ctl1 db.service: restart (1 file(s) changed)'])
    expect(hosts.get('ctl1')!.writes).toEqual([])
    expect(hosts.get('ctl1')!.units.get('db.service')!.restarts).toBe(0)
  })

  it('stops and disables a unit the role keeps off, once, and leaves an absent one alone', async () => {
    // GIVEN a package that enabled and started a daemon the role does not want
    const quiet = defineRole({ ...db, name: 'quiet', unitsOff: () => ['db-replicator.service', 'not-installed.service'] })
    const m = model()
    const hosts = fakeHosts(m)
    const ctl1 = hosts.get('ctl1')!
    ctl1.units.set('db-replicator.service', { enabled: true, active: true, restarts: 0 })
    // WHEN checked THEN it is reported and left running
    const checked = await run(m, [quiet], hosts, true)
    expect(checked.state.outcomes.filter((o) => o.title === 'db-replicator.service (off)').map((o) => o.result)).toEqual([
      { status: 'changed', detail: 'disable, stop' },
    ])
    expect(ctl1.units.get('db-replicator.service')).toMatchObject({ enabled: true, active: true })
    // WHEN deployed THEN it is off; the absent unit is not touched
    const first = await run(m, [quiet], hosts)
    expect(ctl1.units.get('db-replicator.service')).toMatchObject({ enabled: false, active: false })
    expect(ctl1.commands.filter((c) => c.startsWith('systemctl disable'))).toEqual(['systemctl disable --now db-replicator.service'])
    expect(first.state.outcomes.filter((o) => o.title === 'not-installed.service (off)').map((o) => o.result.status)).toEqual(['ok'])
    // AND a second run changes nothing
    expect(changedCount((await run(m, [quiet], hosts)).state)).toBe(0)
  })

  it('disables a unit kept off that failed at boot and clears its failed state', async () => {
    // GIVEN a daemon the package enabled, which started at boot and failed
    const quiet = defineRole({ ...db, name: 'quiet', unitsOff: () => ['db-sharder.service'] })
    const m = model()
    const hosts = fakeHosts(m)
    hosts.get('ctl1')!.units.set('db-sharder.service', { enabled: true, active: false, failed: true, restarts: 0 })
    // WHEN deployed THEN it is disabled and no longer listed as failed; a second run changes nothing
    const first = await run(m, [quiet], hosts)
    expect(first.state.outcomes.filter((o) => o.title === 'db-sharder.service (off)').map((o) => o.result)).toEqual([
      { status: 'changed', detail: 'disable, reset-failed' },
    ])
    expect(hosts.get('ctl1')!.units.get('db-sharder.service')).toMatchObject({ enabled: false, active: false, failed: false })
    expect(changedCount((await run(m, [quiet], hosts)).state)).toBe(0)
  })

  it('reports typed progress events in order, and with -v every command with secrets masked', async () => {
    const m = model()
    const hosts = fakeHosts(m)
    const phases = buildPhases(m, [db, api], render(m, [db, api]), { admin: () => Promise.reject(new Error('no keystone here')) })
    const events: ProgressEvent[] = []
    const onEvent = (e: ProgressEvent) => events.push(e)
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-run-'))
    // GIVEN a log whose lines are also echoed as events (deploy -v), a secret in one of them
    const logs = new Map(
      m.hosts.map((h) => [
        h.name,
        new HostLog(dir, h.name, redactor(m.secrets, testCatalog), (line) => onEvent({ type: 'log', host: h.name, line })),
      ]),
    )
    logs.get('ctl1')!.write(`$ echo ${m.secrets.admin_password}`)
    await runWithListr(phases, hosts, logs, { check: false, renderer: 'silent', onEvent })
    // THEN each phase starts before its tasks, and every task that starts reports its result
    expect(events[1]).toEqual({ type: 'phase', phase: 'libraries.packages', title: 'Python libraries' })
    const started = events.filter((e) => e.type === 'task')
    const results = events.filter((e): e is Extract<ProgressEvent, { type: 'result' }> => e.type === 'result')
    expect(started.length).toBeGreaterThan(4)
    // (phases run side by side, so results come in their own order)
    expect(results.map((r) => `${r.host} ${r.task}`).sort()).toEqual(started.map((t) => `${t.host} ${t.task}`).sort())
    expect(results.every((r) => ['ok', 'changed'].includes(r.status) && r.ms >= 0)).toBe(true)
    expect(events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase)).toEqual(phases.map((p) => p.id))
    // AND the log events carry the commands, the secret replaced by its name
    const logLines = events.filter((e) => e.type === 'log').map((e) => (e as { line: string }).line)
    expect(logLines[0]).toBe('$ echo <secret:admin_password>')
    expect(logLines.some((l) => l.startsWith('$ dpkg-query'))).toBe(true)
    expect(JSON.stringify(events)).not.toContain(m.secrets.admin_password)
  })

  it('--check writes nothing and reports what would change', async () => {
    const m = model()
    const hosts = fakeHosts(m)
    const { state } = await run(m, [db, api], hosts, true)
    for (const h of hosts.values()) {
      expect(h.writes).toEqual([])
      expect(h.installed.size).toBe(0)
      // apt-get -s (the libraries' simulation) only reads; -y is on everything that installs
      expect(h.commands.filter((c) => /systemctl (start|enable|restart)|apt-get -y/.test(c))).toEqual([])
    }
    expect(state.outcomes.find((o) => o.host === 'ctl1' && o.title === '/etc/db.cnf')!.result).toMatchObject({
      status: 'changed',
      detail: 'new file',
    })
  })

  it('stops after the failing phase and reports host, task, command and stderr', async () => {
    const m = model()
    const hosts = fakeHosts(m)
    hosts.get('cmp2')!.failing.set('apt-get -y .* install api', 'E: Unable to locate package api')
    const { state } = await run(m, [db, api], hosts)
    expect(state.failures.map((f) => [f.phase, f.host, f.error.task, f.error.exitCode])).toEqual([
      ['api.packages', 'cmp2', 'api.packages', 1],
    ])
    expect(state.failures[0]!.error.stderr).toBe('E: Unable to locate package api')
    expect(state.failures[0]!.error.command).toContain('apt-get')
    // other hosts of the phase finished; db (whose packages were in) ran beside it; api's phase ran nowhere
    expect(hosts.get('cmp1')!.installed.has('api')).toBe(true)
    expect(state.outcomes.filter((o) => o.phase === 'api')).toEqual([])
  })

  it('keeps secrets out of the host logs', async () => {
    const m = model()
    const hosts = fakeHosts(m)
    const { dir } = await run(m, [db, api], hosts)
    const log = readFileSync(join(dir, 'ctl1.log'), 'utf8')
    expect(log).toContain('api.file: /etc/api.conf')
    expect(log).not.toContain(m.secrets.admin_password)
  })
})
