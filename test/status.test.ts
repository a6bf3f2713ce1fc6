// SPDX-License-Identifier: Apache-2.0
// status against a stand-in host (systemd answers) and real HTTP servers on loopback.
import { noFileCopy } from './runner/fake-host.ts'
import { createServer, type Server } from 'node:http'
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Model } from '../installer/model/types.ts'
import type { Project } from '../installer/project.ts'
import type { PowerEvent } from '../installer/commands/events.ts'
import { startCloud } from '../installer/power.ts'
import { cloudStatus, readyScript, recordDeploy, waitUntilHealthy } from '../installer/status.ts'
import type { ExecResult, Transport } from '../installer/transport/types.ts'
import { roles } from '../roles/index.ts'
import { fixtureModel, fixtureProject } from './helpers.ts'
import { FakeCloud } from './openstack/fake-cloud.ts'

/** Keystone, Nova's and Cinder's services and Neutron's agents. */
const fake = new FakeCloud('admin-secret')

let server: Server
let port = 0
/** Paths that answer 503, as an API behind a dead backend would. */
const broken = new Set<string>()

beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(broken.has(req.url ?? '') ? 503 : req.url === '/horizon' ? 302 : 300, { Location: '/horizon/' })
    res.end('{}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as { port: number }).port
  await fake.start()
})
afterAll(async () => {
  await fake.stop()
  await new Promise<void>((r) => server.close(() => r()))
})

/** The aio fixture with every API on the loopback server (each on its own path, so one can fail). */
function project(): Project {
  const m = fixtureModel('aio')
  const endpoints = Object.fromEntries(
    Object.entries(m.endpoints).map(([k, e]) => [
      k,
      { ...e, internal: k === 'keystone' ? `${fake.url}/internal/identity/v3` : `http://127.0.0.1:${port}/` },
    ]),
  ) as Model['endpoints']
  const model: Model = {
    ...m,
    config: {},
    endpoints,
    dashboardUrl: `http://127.0.0.1:${port}/horizon`,
    secrets: { ...m.secrets, admin_password: 'admin-secret' },
  }
  return fixtureProject(model, 'stackhouse-status-')
}

/**
 * A host whose systemd reports every wanted unit of the status script active and every
 * unit kept off inactive, except those named in `states`; `failed` is what list-units says.
 */
function host(states: Record<string, string> = {}, failed: string[] = [], notReady: string[] = []): Transport {
  return {
    host: 'aio1',
    address: '10.0.0.11',
    async exec(command: string): Promise<ExecResult> {
      const [wantedPart = '', offPart = ''] = command.split('echo --off')
      const listed = (part: string) => /for u in (.*?); do/.exec(part)?.[1]!.split(' ') ?? []
      const lines = (part: string, usual: string) =>
        listed(part)
          .map((u) => `${u} ${states[u] ?? usual}\n`)
          .join('')
      return {
        code: 0,
        stdout: `${lines(wantedPart, 'active')}--off\n${lines(offPart, 'inactive')}--ready\n${notReady.map((u) => `${u} not-ready\n`).join('')}--failed\n${failed.join('\n')}\n`,
        stderr: '',
      }
    },
    async writeFile() {},
    ...noFileCopy,
    async close() {},
  }
}

describe('status', () => {
  it('is healthy when every wanted unit runs and every API answers, and shows the last deploy', async () => {
    const p = project()
    recordDeploy(p.paths.stateDir, { finished: '2026-12-02T03:00:00.000Z', changes: 11, failures: 0, hosts: ['aio1'] })
    const r = await cloudStatus(p, roles, { connect: async () => host() })
    expect(r.healthy).toBe(true)
    expect(r.hosts[0]!.units.map((u) => u.unit)).toEqual(
      expect.arrayContaining(['keystone.service', 'nova-compute.service', 'mariadb.service']),
    )
    expect(r.apis.map((a) => a.service)).toEqual(['keystone', 'glance', 'placement', 'nova', 'neutron', 'cinder', 'swift', 'horizon'])
    expect(r.apis.every((a) => a.answers && a.ms! >= 0)).toBe(true)
    expect(r.lastDeploy).toEqual({ finished: '2026-12-02T03:00:00.000Z', changes: 11, failures: 0, hosts: ['aio1'] })
  })

  it('names a stopped unit, a failed one, an API that errs and a host it cannot reach', async () => {
    const p = project()
    const stopped = await cloudStatus(p, roles, {
      connect: async () => host({ 'nova-api.service': 'inactive' }, ['swift-housekeeping.service']),
    })
    expect(stopped.healthy).toBe(false)
    expect(stopped.hosts[0]!.units.find((u) => u.unit === 'nova-api.service')!.state).toBe('inactive')
    expect(stopped.hosts[0]!.failed).toEqual(['swift-housekeeping.service'])
    const unreachable = await cloudStatus(p, roles, {
      connect: async () => {
        throw new Error('host aio1 (10.0.0.11): cannot connect over SSH: no route')
      },
    })
    expect(unreachable.hosts[0]).toMatchObject({ reachable: false, error: expect.stringContaining('no route') })
    broken.add('/horizon')
    const api = await cloudStatus(p, roles, { connect: async () => host() })
    broken.clear()
    expect(api.apis.find((a) => a.service === 'horizon')).toMatchObject({ answers: false, status: 503 })
  })

  it("counts the cloud's failed units and units it keeps off that run, not other failed units", async () => {
    const p = project()
    // GIVEN a failed unit that is none of the cloud's (Ceph's packages bring nvme-cli's)
    const other = await cloudStatus(p, roles, { connect: async () => host({}, ['nvmf-autoconnect.service']) })
    expect(other.hosts[0]).toMatchObject({ failed: [], otherFailed: ['nvmf-autoconnect.service'], runningButOff: [] })
    expect(other.healthy).toBe(true)
    // GIVEN a Swift daemon the one-replica ring replaces by a periodic pass, started at boot and failed
    const sharder = await cloudStatus(p, roles, { connect: async () => host({}, ['swift-container-sharder.service']) })
    expect(sharder.hosts[0]!.failed).toEqual(['swift-container-sharder.service'])
    expect(sharder.healthy).toBe(false)
    // GIVEN one running though the deploy keeps it off
    const running = await cloudStatus(p, roles, { connect: async () => host({ 'swift-container-reconciler.service': 'active' }) })
    expect(running.hosts[0]!.runningButOff).toEqual(['swift-container-reconciler.service'])
    expect(running.healthy).toBe(false)
  })

  it('holds a running DHCP agent as starting until its log says it has synced, from its current process', async () => {
    const p = project()
    const r = await cloudStatus(p, roles, { connect: async () => host({}, [], ['neutron-dhcp-agent.service']) })
    expect(r.hosts[0]!.units.find((u) => u.unit === 'neutron-dhcp-agent.service')).toEqual({
      unit: 'neutron-dhcp-agent.service',
      state: 'starting',
    })
    expect(r.healthy).toBe(false)
    // The marker script itself, in a real shell, with systemd's answer stubbed: only the current pid counts.
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-ready-'))
    const log = join(dir, 'agent.log')
    writeFileSync(join(dir, 'systemctl'), '#!/bin/sh\necho "$PID"\n', { mode: 0o755 })
    const marker = { unit: 'neutron-dhcp-agent.service', log, line: 'Synchronizing state complete' }
    const ready = (pid: string) =>
      execFileSync('bash', ['-c', readyScript([marker])], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, PID: pid },
      }).toString()
    writeFileSync(log, '2026-12-03 02:40:00.100 4242 INFO neutron.agent.dhcp.agent [-] Synchronizing state complete\n')
    expect(ready('4242')).toBe('neutron-dhcp-agent.service ready\n')
    // After a restart the old process's line does not count, nor a pid that merely contains it.
    expect(ready('424')).toBe('neutron-dhcp-agent.service not-ready\n')
    expect(ready('0')).toBe('neutron-dhcp-agent.service not-ready\n')
    appendFileSync(log, '2026-12-03 02:41:00.100 5151 INFO neutron.agent.dhcp.agent [-] Synchronizing state\n')
    expect(ready('5151')).toBe('neutron-dhcp-agent.service not-ready\n')
    rmSync(dir, { recursive: true })
    expect(ready('4242')).toBe('neutron-dhcp-agent.service not-ready\n')
  })

  it('counts services and agents that do not report in, as after a boot before neutron-server answers', async () => {
    const p = project()
    expect((await cloudStatus(p, roles, { connect: async () => host() })).daemons).toHaveLength(9)
    // GIVEN the DHCP agent dead and no nova-compute reported yet
    fake.list('agents').find((a) => a.binary === 'neutron-dhcp-agent')!.alive = false
    const compute = fake.computeServices
    fake.computeServices = compute.filter((s) => s.binary !== 'nova-compute')
    try {
      const r = await cloudStatus(p, roles, { connect: async () => host() })
      expect(r.healthy).toBe(false)
      expect(r.daemons.filter((d) => !d.up)).toEqual([{ service: 'network', binary: 'neutron-dhcp-agent', host: 'aio1', up: false }])
      expect(r.missingDaemons).toEqual(['nova-compute'])
    } finally {
      fake.list('agents').find((a) => a.binary === 'neutron-dhcp-agent')!.alive = true
      fake.computeServices = compute
    }
    // GIVEN the volume service up, but its Ceph backend not ready (no pool reported to the scheduler, as just after a boot)
    // THEN it counts as down, saying why: a volume made now would go to error
    fake.volumePools = []
    try {
      const r = await cloudStatus(p, roles, { connect: async () => host() })
      expect(r.healthy).toBe(false)
      expect(r.daemons.filter((d) => !d.up)).toEqual([
        { service: 'volume', binary: 'cinder-volume', host: 'aio1@ceph', up: false, why: 'its backend reports no storage pool yet' },
      ])
    } finally {
      fake.volumePools = ['aio1@ceph#ceph']
    }
    expect((await cloudStatus(p, roles, { connect: async () => host() })).healthy).toBe(true)
    // GIVEN a wrong admin password THEN they are unknown, and the cloud is not called healthy
    const wrong = project()
    const r = await cloudStatus(
      { ...wrong, model: { ...wrong.model, secrets: { ...wrong.model.secrets, admin_password: 'nope' } } },
      roles,
      { connect: async () => host() },
    )
    expect(r).toMatchObject({ healthy: false, daemons: [], daemonsError: expect.stringContaining('401') })
  })

  it('--wait polls until the cloud is healthy', async () => {
    // GIVEN a host whose services come up on the third look (a cloud after a reboot)
    let looks = 0
    const connect = async () => host(++looks < 3 ? { 'rabbitmq-server.service': 'activating' } : {})
    const seen: boolean[] = []
    const r = await waitUntilHealthy(project(), roles, { connect, waitMs: 10_000, everyMs: 10, onPoll: (x) => seen.push(x.healthy) })
    expect(r.healthy).toBe(true)
    expect(seen).toEqual([false, false, true])
  })

  it('startCloud with waitMs starts the services, then waits until the cloud is healthy, reporting each look', async () => {
    // GIVEN a host that answers as a healthy cloud once started
    const events: PowerEvent[] = []
    const connect = async (hosts: { name: string }[]) => new Map(hosts.map((h) => [h.name, host()]))
    // WHEN started as `stackhouse start` starts it
    const r = await startCloud(project(), roles, { connect, waitMs: 10_000, onEvent: (e) => events.push(e) })
    // THEN the report says it is healthy, and the look was an event
    expect(r).toMatchObject({ healthy: true, sandboxHosts: [] })
    expect(events.map((e) => (e.type === 'status' ? `status ${e.report.healthy}` : e.line))).toEqual(['status true'])
    // AND without waitMs, it does not wait
    expect((await startCloud(project(), roles, { connect })).healthy).toBeUndefined()
  })
})
