// SPDX-License-Identifier: Apache-2.0
// verifyCloud against a fake cloud: passing checks, a failing check with its
// hint (service, host, log), checks skipped after a failure, and cleanup.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { formatCheck } from '../../installer/cli/verify.ts'
import type { Model } from '../../installer/model/types.ts'
import { KeystoneClient } from '../../installer/openstack/keystone.ts'
import { postDeployTasks } from '../../installer/postdeploy/index.ts'
import type { Project } from '../../installer/project.ts'
import { checks, verifyCloud } from '../../installer/verify/index.ts'
import { createContext } from '../../installer/verify/context.ts'
import { crossHostCheck } from '../../installer/verify/cross-host.ts'
import { FakeCloud, fakeModel } from '../openstack/fake-cloud.ts'
import { FakeHost } from '../runner/fake-host.ts'
import { roles } from '../../roles/index.ts'

const fake = new FakeCloud('fake-admin-password')
let model: Model
let project: Project

function projectOf(m: Model, stateDir: string): Project {
  return {
    model: m,
    paths: { stateDir, inventory: null, secrets: join(stateDir, 'secrets.yaml'), overrides: join(stateDir, 'overrides') },
    overrides: [],
    secrets: { secrets: m.secrets, generated: [], tightened: false },
    roles,
  }
}

const statuses = (r: { checks: { id: string; status: string }[] }) => r.checks.map((c) => `${c.id}: ${c.status}`)

beforeAll(async () => {
  await fake.start()
  model = { ...fakeModel(fake.url), services: { cinder: true, swift: true, horizon: false } }
  const stateDir = mkdtempSync(join(tmpdir(), 'stackhouse-verify-'))
  project = projectOf(model, stateDir)
  // The cloud as post-deploy leaves it: demo user, flavors, networks, keypair, image.
  writeFileSync(join(stateDir, 'guest.qcow2'), 'pretend qcow2')
  const admin = () =>
    KeystoneClient.login({
      authUrl: model.endpoints.keystone.internal,
      username: 'admin',
      password: model.secrets.admin_password,
      projectName: 'admin',
    })
  for (const t of postDeployTasks(model, admin, {
    stateDir,
    guestImage: { existing: join(stateDir, 'guest.qcow2'), build: async () => ({ path: join(stateDir, 'guest.qcow2') }) },
  })) {
    await t.apply({
      transport: new FakeHost('aio1'),
      host: model.hosts[0]!,
      check: false,
      changedFiles: new Set(),
      log: () => {},
      redact: (s: string) => s,
    })
  }
})
afterAll(() => fake.stop())
beforeEach(() => {
  fake.computeServices.forEach((s) => (s.state = 'up'))
  fake.bootFault = undefined
  fake.powerState = 1
})

describe('verifyCloud', () => {
  it('passes token, endpoints, services, image and object checks, and leaves nothing behind', async () => {
    const seen: string[] = []
    const report = await verifyCloud(project, {
      only: ['identity.endpoints', 'compute.services', 'network.agents', 'volume.services', 'image.roundtrip', 'object.roundtrip'],
      onCheck: (r) => seen.push(r.id),
    })
    expect(statuses(report)).toEqual([
      'identity.token: pass',
      'identity.demo: pass',
      'identity.endpoints: pass',
      'compute.services: pass',
      'network.agents: pass',
      'volume.services: pass',
      'image.roundtrip: pass',
      'object.roundtrip: pass',
      'cleanup: pass',
    ])
    expect(report.ok).toBe(true)
    expect(seen).toEqual(report.checks.map((c) => c.id))
    expect(report.checks[2]!.message).toMatch(/^7 endpoints answer \(slowest \d+ ms\)$/)
    expect(fake.list('images').map((i) => i.name)).toEqual(['stackhouse-tiny'])
    expect([...fake.blobs.keys()].filter((k) => k.startsWith('stackhouse-verify-'))).toEqual([])
  })

  it('reports a compute service that is down with its host and log file', async () => {
    fake.computeServices.find((s) => s.binary === 'nova-compute')!.state = 'down'
    const report = await verifyCloud(project, { only: ['compute.services', 'network.agents'] })
    expect(report.ok).toBe(false)
    expect(statuses(report)).toEqual(['identity.token: pass', 'compute.services: fail', 'network.agents: pass', 'cleanup: pass'])
    const failed = report.checks[1]!
    expect(failed.message).toBe('compute services: down: nova-compute on aio1')
    expect(failed.hint).toEqual({
      service: 'nova-compute',
      host: 'aio1 (10.0.0.11)',
      log: '/var/log/nova/nova-compute.log',
      fix: 'a service is down when it has not reported for 60 s: is it running (systemctl status), and can it reach RabbitMQ and the database?',
    })
    expect(formatCheck(failed)).toMatch(
      /^✖ compute services up +\d+\.\ds {2}compute services: down: nova-compute on aio1\n {4}look at: nova-compute, on aio1 \(10\.0\.0\.11\), log: \/var\/log\/nova\/nova-compute\.log\n {4}try: a service is down/,
    )
  })

  it('points a boot that finds no host at the scheduler, skips what needs the server, and deletes it', async () => {
    fake.bootFault = 'No valid host was found. There are not enough hosts available.'
    const report = await verifyCloud(project, {
      only: ['server.boot', 'server.ping', 'server.ssh', 'volume.services', 'volume.attach'],
      settleMs: 0,
      installMachinePackages: false,
    })
    expect(statuses(report)).toEqual([
      'identity.token: pass',
      'identity.demo: pass',
      'volume.services: pass',
      'server.boot: fail',
      'server.ping: skip',
      'server.ssh: skip',
      'volume.attach: skip',
      'cleanup: pass',
    ])
    const boot = report.checks.find((c) => c.id === 'server.boot')!
    expect(boot.message).toBe('server went to ERROR: No valid host was found. There are not enough hosts available.')
    expect(boot.hint).toMatchObject({
      service: 'nova-scheduler',
      host: 'aio1 (10.0.0.11)',
      log: '/var/log/nova/nova-scheduler.log and /var/log/nova/nova-conductor.log',
    })
    expect(report.checks.find((c) => c.id === 'server.ping')!.message).toBe('boot a server (ACTIVE) did not pass')
    expect(report.checks.at(-1)!.message).toBe('deleted 1 resource(s)')
    expect(fake.list('servers')).toEqual([])
  })

  it('fails the demo token check with the fix when the demo user cannot log in, and still checks the services', async () => {
    const report = await verifyCloud(
      projectOf({ ...model, secrets: { ...model.secrets, demo_password: 'wrong' } }, project.paths.stateDir),
      { only: ['compute.services', 'image.roundtrip'] },
    )
    expect(statuses(report)).toEqual([
      'identity.token: pass',
      'identity.demo: fail',
      'compute.services: pass',
      'image.roundtrip: skip',
      'cleanup: pass',
    ])
    expect(report.checks[1]!.message).toMatch(/^demo cannot get a token for project demo: .*401/)
    expect(report.checks[3]!.message).toBe('demo user token did not pass')
    expect(report.checks[1]!.hint?.fix).toMatch(/post-deploy phase of "stackhouse deploy" makes the demo project and user/)
  })

  it('fails an ACTIVE server whose domain the hypervisor paused, pointing at its QEMU log', async () => {
    fake.powerState = 3
    const report = await verifyCloud(project, { only: ['server.boot'], settleMs: 0 })
    const boot = report.checks.find((c) => c.id === 'server.boot')!
    expect(boot.status).toBe('fail')
    expect(boot.message).toBe('the server is ACTIVE but its domain instance-00000001 is PAUSED, not RUNNING')
    expect(boot.hint).toMatchObject({
      service: 'libvirtd / QEMU',
      host: 'aio1 (10.0.0.11)',
      log: '/var/log/libvirt/qemu/instance-00000001.log (and virsh domstate --reason instance-00000001)',
    })
    expect(boot.hint?.fix).toMatch(/emulation failure.*virt_type: qemu/)
    expect(fake.list('servers')).toEqual([])
  })

  it('names the packages its checks need on this machine (ping for the router and the floating IP)', () => {
    expect(checks.filter((c) => c.machinePackages?.length).map((c) => `${c.id}: ${c.machinePackages!.join(' ')}`)).toEqual([
      'network.router: iputils-ping',
      'server.ping: iputils-ping',
      'server.cross-host: iputils-ping',
    ])
  })

  it('on two compute hosts, boots its server in an anti-affinity group (the cross-host check boots the second there), and deletes the group', async () => {
    // GIVEN a cloud with two compute hosts
    const two = { ...model, groups: { ...model.groups, compute: ['cmp1', 'cmp2'] } }
    fake.computeServices.push({ binary: 'nova-compute', host: 'cmp2', state: 'up' })
    fake.computeServices.find((x) => x.binary === 'nova-compute')!.host = 'cmp1'
    try {
      const seen: string[] = []
      const report = await verifyCloud(projectOf(two, project.paths.stateDir), { only: ['server.boot'], settleMs: 0 })
      seen.push(...fake.requests.filter((r) => r.includes('os-server-groups')))
      expect(report.checks.find((c) => c.id === 'server.boot')!.message).toMatch(/ on cmp1, /)
      expect(seen.some((r) => r.startsWith('POST '))).toBe(true)
      expect(seen.some((r) => r.startsWith('DELETE '))).toBe(true)
      expect(fake.list('os-server-groups')).toEqual([])
      // AND the cross-host check applies there, and on one compute host says why it does not
      expect(crossHostCheck.notApplicable!(createContext(two, roles, project.paths.stateDir, {}, () => {}))).toBeUndefined()
      expect(crossHostCheck.notApplicable!(createContext(model, roles, project.paths.stateDir, {}, () => {}))).toBe(
        'one compute host: no traffic between compute hosts to check',
      )
    } finally {
      fake.computeServices.pop()
      fake.computeServices.find((x) => x.binary === 'nova-compute')!.host = 'aio1'
    }
  })

  it('boots the server with a config drive, and points a config drive failure at genisoimage', async () => {
    // GIVEN a cloud that builds config drives WHEN the server boots THEN it has one
    const ok = await verifyCloud(project, { only: ['server.boot'], settleMs: 0 })
    expect(ok.checks.find((c) => c.id === 'server.boot')!.message).toMatch(
      /^stackhouse-verify-[0-9a-f]{6} ACTIVE and running with a config drive after /,
    )
    // GIVEN nova-compute without genisoimage (the fault Tempest met) THEN the hint says what installs it
    fake.bootFault = "Build of instance 1 aborted: [Errno 2] No such file or directory: 'genisoimage'"
    const report = await verifyCloud(project, { only: ['server.boot'], settleMs: 0 })
    const boot = report.checks.find((c) => c.id === 'server.boot')!
    expect(boot.status).toBe('fail')
    expect(boot.hint).toMatchObject({ service: 'nova-compute', log: '/var/log/nova/nova-compute.log and /var/log/libvirt/qemu/' })
    expect(boot.hint?.fix).toMatch(/genisoimage: re-run the deploy/)
  })

  it('keeps the test server with keep, and says so', async () => {
    const report = await verifyCloud(project, { only: ['server.boot'], keep: true, settleMs: 0 })
    expect(statuses(report)).toEqual(['identity.token: pass', 'identity.demo: pass', 'server.boot: pass', 'cleanup: pass'])
    expect(report.kept).toEqual([expect.stringMatching(/^server stackhouse-verify-[0-9a-f]{6} \(/)])
    expect(fake.list('servers')).toHaveLength(1)
  })
})
