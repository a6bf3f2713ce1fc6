// SPDX-License-Identifier: Apache-2.0
// deployCloud does what `stackhouse deploy` did in the CLI: the sandbox hosts of a
// sandbox cloud made ready first, the run, the credentials written once it
// succeeded; all of it reported as events, in order. Recording hosts, no sandbox.
import { preflightRules } from '../../installer/preflight/index.ts'
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { deployCloud } from '../../installer/commands/deploy.ts'
import type { DeployEvent } from '../../installer/commands/events.ts'
import { openProject } from '../../installer/commands/open.ts'
import type { Model } from '../../installer/model/types.ts'
import { projectPaths, type Project } from '../../installer/project.ts'
import { defineRole, hostsIn } from '../../installer/role/index.ts'
import { SecretsError } from '../../installer/secrets/store.ts'
import { fixtureModel, fixturesDir } from '../helpers.ts'
import { FakeHost } from '../runner/fake-host.ts'
import { roles } from '../../roles/index.ts'

const db = defineRole({
  name: 'db',
  description: 'a database',
  enabled: () => true,
  hosts: (m) => hostsIn(m, 'control'),
  packages: () => ['mariadb-server'],
  files: ({ model }) => [{ path: '/etc/db.cnf', content: `[mysqld]\nport = ${model.database.port}\n` }],
  units: () => ['db.service'],
})

/** The 3-node fixture as a sandbox cloud, its state in a new folder. */
function sandboxProject(): Project {
  const model: Model = { ...fixtureModel('3-node'), target: 'sandbox', config: {} }
  const paths = projectPaths({ inventory: join(mkdtempSync(join(tmpdir(), 'stackhouse-deploy-cloud-')), 'inventory.yml') })
  return { model, paths, overrides: [], secrets: { secrets: model.secrets, generated: [], tightened: false }, roles }
}

/** Recording hosts, and a stand-in for ensureSandboxHosts that records what it was asked. */
function fakes(p: Project) {
  const hosts = new Map(p.model.hosts.map((h) => [h.name, new FakeHost(h.name, h.address)]))
  const asked: string[][] = []
  const sandboxHosts = async (model: Model, log: (line: string) => void) => {
    asked.push(model.hosts.map((h) => h.name))
    log('creating sandbox host cmp2 (10.0.0.22)')
    return { created: ['cmp2'], started: ['cmp1'] }
  }
  return { hosts, asked, sandboxHosts, connect: async () => hosts }
}

const kinds = (events: DeployEvent[]) => [...new Set(events.map((e) => e.type))]

describe('deployCloud', () => {
  it('makes the sandbox hosts ready, deploys, then writes the credentials (mode 0600), reporting each step in order', async () => {
    // GIVEN a sandbox cloud and stand-ins for its hosts
    const p = sandboxProject()
    const f = fakes(p)
    const events: DeployEvent[] = []
    // WHEN deployed as the CLI deploys it
    const report = await deployCloud(p, [db], {
      only: ['db'],
      connect: f.connect,
      // Stand-ins, not hosts: preflight is tested on real ones (test/integration/preflight.test.ts).
      skipPreflight: preflightRules,
      sandboxHosts: f.sandboxHosts,
      onEvent: (e) => events.push(e),
    })
    // THEN the sandbox hosts were asked for once, before anything ran on a host
    expect(f.asked).toEqual([['ctl1', 'cmp1', 'cmp2']])
    expect(events.slice(0, 2)).toEqual([
      { type: 'sandbox', line: 'creating sandbox host cmp2 (10.0.0.22)' },
      { type: 'sandbox-ready', created: ['cmp2'], started: ['cmp1'] },
    ])
    expect(kinds(events)).toEqual(['sandbox', 'sandbox-ready', 'phase', 'task', 'result', 'credentials'])
    expect(events.filter((e) => e.type === 'phase').map((e) => e.phase)).toEqual(['libraries.packages', 'db.packages', 'db'])
    // AND the run happened on the hosts
    expect(report.failures).toEqual([])
    expect(f.hosts.get('ctl1')!.files.get('/etc/db.cnf')?.content).toContain('port = 3306')
    // AND the credentials were written last, mode 0600, and their paths are in the report
    const written = events.at(-1)!
    expect(written).toEqual({ type: 'credentials', files: report.credentials })
    const creds = report.credentials!
    expect(creds.adminOpenrc).toBe(join(p.paths.stateDir, 'admin-openrc.sh'))
    for (const file of [creds.adminOpenrc, creds.demoOpenrc, creds.cloudsYaml]) expect(statSync(file).mode & 0o777, file).toBe(0o600)
    expect(readFileSync(creds.adminOpenrc, 'utf8')).toContain(`export OS_PASSWORD=${p.model.secrets.admin_password}`)
  })

  it('with check: makes no sandbox host and writes no credentials', async () => {
    const p = sandboxProject()
    const f = fakes(p)
    const events: DeployEvent[] = []
    const report = await deployCloud(p, [db], {
      only: ['db'],
      check: true,
      connect: f.connect,
      // Stand-ins, not hosts: preflight is tested on real ones (test/integration/preflight.test.ts).
      skipPreflight: preflightRules,
      sandboxHosts: f.sandboxHosts,
      onEvent: (e) => events.push(e),
    })
    expect(f.asked).toEqual([])
    expect(report).toMatchObject({ check: true, failures: [] })
    expect(report.changes.length).toBeGreaterThan(0)
    expect(report.credentials).toBeUndefined()
    expect(kinds(events)).toEqual(['phase', 'task', 'result'])
    expect(existsSync(join(p.paths.stateDir, 'admin-openrc.sh'))).toBe(false)
    expect(f.hosts.get('ctl1')!.writes).toEqual([])
  })

  it('a host that fails is in the report, not thrown, and no credentials are written', async () => {
    const p = sandboxProject()
    const f = fakes(p)
    f.hosts.get('ctl1')!.failing.set('apt-get -y .* install mariadb-server', 'E: Unable to locate package mariadb-server')
    const events: DeployEvent[] = []
    const report = await deployCloud(p, [db], {
      only: ['db'],
      connect: f.connect,
      // Stand-ins, not hosts: preflight is tested on real ones (test/integration/preflight.test.ts).
      skipPreflight: preflightRules,
      sandboxHosts: f.sandboxHosts,
      onEvent: (e) => events.push(e),
    })
    expect(report.failures.map((x) => x.host)).toEqual(['ctl1'])
    expect(report.credentials).toBeUndefined()
    expect(events.some((e) => e.type === 'credentials')).toBe(false)
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ type: 'failed', host: 'ctl1', phase: 'db.packages' })
    expect(existsSync(join(p.paths.stateDir, 'admin-openrc.sh'))).toBe(false)
  })
})

describe('openProject', () => {
  it('opens a project to deploy without making its secrets: only the built-in cloud makes its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-open-'))
    const secrets = join(dir, 'secretz.yaml')
    const e = (() => {
      try {
        return openProject({ inventory: join(fixturesDir, 'inventories', 'aio.yml'), secrets, forDeploy: true })
      } catch (x) {
        return x
      }
    })()
    expect(e).toBeInstanceOf(SecretsError)
    expect(existsSync(secrets)).toBe(false)
  })
})
