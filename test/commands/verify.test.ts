// SPDX-License-Identifier: Apache-2.0
// verifyDeployedCloud does what `stackhouse verify` did in the CLI: a log file for
// the run, the checks against a fake cloud, then each host's memory read over a
// stand-in transport; events and report with secrets masked.
import { noFileCopy } from '../runner/fake-host.ts'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { VerifyEvent } from '../../installer/commands/events.ts'
import { verifyDeployedCloud } from '../../installer/commands/verify.ts'
import type { Model } from '../../installer/model/types.ts'
import type { Project } from '../../installer/project.ts'
import type { Transport } from '../../installer/transport/types.ts'
import { FakeCloud, fakeModel } from '../openstack/fake-cloud.ts'
import { roles } from '../../roles/index.ts'

const fake = new FakeCloud('fake-admin-password')
let project: Project

beforeAll(async () => {
  await fake.start()
  const model: Model = fakeModel(fake.url)
  const stateDir = mkdtempSync(join(tmpdir(), 'stackhouse-verify-cloud-'))
  project = {
    model,
    paths: { stateDir, inventory: null, secrets: join(stateDir, 'secrets.yaml'), overrides: join(stateDir, 'overrides') },
    overrides: [],
    secrets: { secrets: model.secrets, generated: [], tightened: false },
    roles,
  }
})
afterAll(() => fake.stop())

/** A host whose processes are a Keystone worker and a program named after the admin password (so masking shows). */
function host(name: string, closed: string[]): Transport {
  const stdout = `204800 102400 /usr/bin/python3 /usr/bin/keystone-wsgi-public\n10240 5120 /usr/local/bin/${project.model.secrets.admin_password}\n`
  return {
    host: name,
    address: '10.0.0.11',
    exec: async () => ({ code: 0, stdout, stderr: '' }),
    writeFile: async () => {},
    ...noFileCopy,
    close: async () => void closed.push(name),
  }
}

describe('verifyDeployedCloud', () => {
  it("logs the run, reports each check then each host's memory, and returns one report", async () => {
    const events: VerifyEvent[] = []
    const closed: string[] = []
    const connect = async () => new Map([['aio1', host('aio1', closed)]])
    // WHEN verified as the CLI verifies
    const report = await verifyDeployedCloud(project, {
      only: ['compute.services'],
      installMachinePackages: false,
      connect,
      onEvent: (e) => events.push(e),
    })
    // THEN the checks came as events as they finished, then the memory, in that order
    expect(events.map((e) => (e.type === 'check' ? `check ${e.result.id}` : `memory ${e.memory.host}`))).toEqual([
      'check identity.token',
      'check compute.services',
      'check cleanup',
      'memory aio1',
    ])
    expect(report).toMatchObject({ ok: true, memory: [{ host: 'aio1', pssMiB: 210, processes: 2 }] })
    expect(report.checks.map((c) => c.id)).toEqual(['identity.token', 'compute.services', 'cleanup'])
    expect(closed).toEqual(['aio1'])
    // AND no secret is in the report or the events
    const secret = project.model.secrets.admin_password
    expect(JSON.stringify(report)).not.toContain(secret)
    expect(JSON.stringify(events)).not.toContain(secret)
    expect(report.memory[0]!.largest.map((p) => p.program)).toEqual(['keystone-wsgi-public', '<secret:admin_password>'])
    // AND the log file is in the state folder, mode 0600, with a line per check
    expect(dirname(report.logFile)).toBe(join(project.paths.stateDir, 'logs'))
    expect(statSync(report.logFile).mode & 0o777).toBe(0o600)
    expect(readFileSync(report.logFile, 'utf8')).toMatch(/ pass compute\.services [\d.]+s /)
  })

  it('a failed check is in the report, not thrown; hosts that cannot be reached are logged, not a failure', async () => {
    fake.computeServices[2]!.state = 'down'
    try {
      const connect = async () => Promise.reject(new Error('host aio1 (10.0.0.11): cannot connect over SSH: no route'))
      const report = await verifyDeployedCloud(project, { only: ['compute.services'], installMachinePackages: false, connect })
      expect(report.ok).toBe(false)
      expect(report.checks.find((c) => c.id === 'compute.services')!.status).toBe('fail')
      expect(report.memory).toEqual([])
      expect(readFileSync(report.logFile, 'utf8')).toContain('memory not read: host aio1 (10.0.0.11): cannot connect over SSH: no route')
    } finally {
      fake.computeServices[2]!.state = 'up'
    }
  })
})
