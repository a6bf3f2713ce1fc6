// SPDX-License-Identifier: Apache-2.0
// status against a stand-in host (systemd answers) and real HTTP servers on loopback.
import { createServer, type Server } from 'node:http'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Model } from '../installer/model/types.ts'
import { projectPaths, type Project } from '../installer/project.ts'
import { cloudStatus, recordDeploy, waitUntilHealthy } from '../installer/status.ts'
import type { ExecResult, Transport } from '../installer/transport/types.ts'
import { roles } from '../roles/index.ts'
import { fixtureModel } from './helpers.ts'

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
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

/** The aio fixture with every API on the loopback server (each on its own path, so one can fail). */
function project(): Project {
  const m = fixtureModel('aio')
  const endpoints = Object.fromEntries(Object.entries(m.endpoints).map(([k, e]) => [k, { ...e, internal: `http://127.0.0.1:${port}/` }])) as Model['endpoints']
  const model: Model = { ...m, config: {}, endpoints, dashboardUrl: `http://127.0.0.1:${port}/horizon` }
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-status-'))
  return { model, paths: projectPaths({ inventory: join(dir, 'inventory.yml') }), overrides: [], secrets: { secrets: model.secrets, generated: [], tightened: false } }
}

/** A host whose systemd reports every unit of the status script active, except those in `down`. */
function host(down: Record<string, string> = {}, failed: string[] = []): Transport {
  return {
    host: 'aio1',
    address: '10.0.0.11',
    async exec(command: string): Promise<ExecResult> {
      const units = /for u in (.*?); do/.exec(command)![1]!.split(' ')
      return { code: 0, stdout: `${units.map((u) => `${u} ${down[u] ?? 'active'}`).join('\n')}\n--failed\n${failed.join('\n')}\n`, stderr: '' }
    },
    async writeFile() {},
    async close() {},
  }
}

describe('status', () => {
  it('is healthy when every wanted unit runs and every API answers, and shows the last deploy', async () => {
    const p = project()
    recordDeploy(p.paths.stateDir, { finished: '2026-12-02T03:00:00.000Z', changes: 11, failures: 0, hosts: ['aio1'] })
    const r = await cloudStatus(p, roles, { connect: async () => host() })
    expect(r.healthy).toBe(true)
    expect(r.hosts[0]!.units.map((u) => u.unit)).toEqual(expect.arrayContaining(['keystone.service', 'nova-compute.service', 'mariadb.service']))
    expect(r.apis.map((a) => a.service)).toEqual(['keystone', 'glance', 'placement', 'nova', 'neutron', 'cinder', 'swift', 'horizon'])
    expect(r.apis.every((a) => a.answers && a.ms! >= 0)).toBe(true)
    expect(r.lastDeploy).toEqual({ finished: '2026-12-02T03:00:00.000Z', changes: 11, failures: 0, hosts: ['aio1'] })
  })

  it('names a stopped unit, a failed one, an API that errs and a host it cannot reach', async () => {
    const p = project()
    const stopped = await cloudStatus(p, roles, { connect: async () => host({ 'nova-api.service': 'inactive' }, ['swift-housekeeping.service']) })
    expect(stopped.healthy).toBe(false)
    expect(stopped.hosts[0]!.units.find((u) => u.unit === 'nova-api.service')!.state).toBe('inactive')
    expect(stopped.hosts[0]!.failed).toEqual(['swift-housekeeping.service'])
    const unreachable = await cloudStatus(p, roles, { connect: async () => { throw new Error('host aio1 (10.0.0.11): cannot connect over SSH: no route') } })
    expect(unreachable.hosts[0]).toMatchObject({ reachable: false, error: expect.stringContaining('no route') })
    broken.add('/horizon')
    const api = await cloudStatus(p, roles, { connect: async () => host() })
    broken.clear()
    expect(api.apis.find((a) => a.service === 'horizon')).toMatchObject({ answers: false, status: 503 })
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
})
