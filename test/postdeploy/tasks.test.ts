// SPDX-License-Identifier: Apache-2.0
// Post-deploy against a fake cloud: the first run makes everything, a second
// run changes nothing, and check mode changes nothing at all.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { KeystoneClient } from '../../installer/openstack/keystone.ts'
import { postDeployPhase, postDeployTasks, type GuestImageSource } from '../../installer/postdeploy/index.ts'
import { ensureSshKey } from '../../installer/postdeploy/ssh-key.ts'
import type { Task, TaskResult } from '../../installer/tasks/types.ts'
import { FakeCloud, fakeModel } from '../openstack/fake-cloud.ts'
import { FakeHost } from '../runner/fake-host.ts'

const fake = new FakeCloud('fake-admin-password')
let model: Model
let stateDir: string
let image: GuestImageSource

const admin = () =>
  KeystoneClient.login({
    authUrl: model.endpoints.keystone.internal,
    username: 'admin',
    password: model.secrets.admin_password,
    projectName: 'admin',
  })

async function applyAll(check: boolean): Promise<{ id: string; result: TaskResult }[]> {
  const tasks: Task[] = postDeployTasks(model, admin, { stateDir, guestImage: image })
  const results = []
  for (const t of tasks) {
    const ctx = {
      transport: new FakeHost('aio1'),
      host: model.hosts[0]!,
      check,
      changedFiles: new Set<string>(),
      log: () => {},
      redact: (s: string) => s,
    }
    results.push({ id: t.id, result: await t.apply(ctx) })
  }
  return results
}

// Logins (the demo user's password check asks for a token without a catalog) change nothing.
const writes = () => fake.requests.filter((r) => !/^GET /.test(r) && !/\/auth\/tokens(\?nocatalog)?$/.test(r))

beforeAll(async () => {
  await fake.start()
  model = fakeModel(fake.url)
  stateDir = mkdtempSync(join(tmpdir(), 'stackhouse-postdeploy-'))
  const qcow2 = join(stateDir, 'guest.qcow2')
  writeFileSync(qcow2, 'pretend qcow2 v1')
  image = { existing: qcow2, build: async () => ({ path: qcow2 }) }
})
afterAll(() => fake.stop())

describe('post-deploy', () => {
  it('in check mode reports every change and makes none', async () => {
    const results = await applyAll(true)
    expect(results.map((r) => `${r.id}: ${r.result.status} ${r.result.detail ?? ''}`)).toEqual([
      'post-deploy.flavors: changed flavor m1.tiny, m1.small, m1.medium, m1.large',
      'post-deploy.demo-project: changed project demo, user demo, roles of demo',
      'post-deploy.public-network: changed network public, subnet public-subnet',
      'post-deploy.demo-network: changed network demo-net, subnet demo-subnet, router demo-router (the demo user does not exist yet)',
      'post-deploy.security-group: changed rules ICMP, TCP 22 (the demo user does not exist yet)',
      `post-deploy.keypair: changed private key ${join(stateDir, 'demo-key')}, keypair demo-key`,
      'post-deploy.guest-image: changed upload stackhouse-tiny',
    ])
    expect(writes()).toEqual([])
  })

  it('makes flavors, the demo project, networks, router, rules, keypair and image', async () => {
    const results = await applyAll(false)
    expect(results.filter((r) => r.result.status !== 'changed')).toEqual([])
    expect(fake.list('flavors').map((f) => [f.name, f.vcpus, f.ram, f.disk])).toEqual([
      ['m1.tiny', 1, 256, 1],
      ['m1.small', 1, 2048, 20],
      ['m1.medium', 2, 4096, 40],
      ['m1.large', 4, 8192, 80],
    ])
    const demo = fake.list('projects').find((p) => p.name === 'demo')!
    const pub = fake.list('networks').find((n) => n.name === 'public')!
    expect(pub).toMatchObject({
      'router:external': true,
      shared: false,
      'provider:network_type': 'flat',
      'provider:physical_network': 'physnet1',
      project_id: 'p-admin',
    })
    expect(fake.list('subnets').find((s) => s.name === 'public-subnet')).toMatchObject({
      cidr: '203.0.113.0/24',
      gateway_ip: '203.0.113.1',
      enable_dhcp: false,
      allocation_pools: [{ start: '203.0.113.100', end: '203.0.113.200' }],
    })
    expect(fake.list('subnets').find((s) => s.name === 'demo-subnet')).toMatchObject({
      cidr: '192.168.100.0/24',
      dns_nameservers: ['203.0.113.1'],
      project_id: demo.id,
    })
    const router = fake.list('routers').find((r) => r.name === 'demo-router')!
    expect(router).toMatchObject({ project_id: demo.id, external_gateway_info: { network_id: pub.id } })
    expect(fake.list('ports').filter((p) => p.device_id === router.id)).toHaveLength(1)
    const rules = fake.list('security-group-rules').map((r) => `${r.direction} ${r.ethertype} ${r.protocol} ${r.port_range_min ?? ''}`)
    expect(rules).toEqual(['ingress IPv4 icmp ', 'ingress IPv4 tcp 22'])
    const key = join(stateDir, 'demo-key')
    expect(statSync(key).mode & 0o777).toBe(0o600)
    expect(fake.list('os-keypairs')[0]!.public_key).toBe(readFileSync(`${key}.pub`, 'utf8').trim())
    expect(fake.list('images')).toMatchObject([
      { name: 'stackhouse-tiny', status: 'active', visibility: 'public', disk_format: 'qcow2', min_ram: 128 },
    ])
  })

  it('a second run changes nothing and reports every task ok', async () => {
    const before = writes().length
    const results = await applyAll(false)
    expect(results.map((r) => `${r.id}: ${r.result.status}`)).toEqual(results.map((r) => `${r.id}: ok`))
    expect(writes().slice(before)).toEqual([])
  })

  it('carries a changed floating range to the public subnet, and then changes nothing', async () => {
    const provider = model.networks.provider!
    const was = provider.allocation
    model = {
      ...model,
      networks: {
        ...model.networks,
        provider: { ...provider, allocation: { start: was.start, end: was.start.replace(/\d+$/, (n) => String(Number(n) + 9)) } },
      },
    }
    try {
      const results = await applyAll(false)
      expect(results.find((r) => r.id === 'post-deploy.public-network')?.result.status).toBe('changed')
      expect(fake.list('subnets').find((s) => s.name === 'public-subnet')!.allocation_pools).toEqual([model.networks.provider!.allocation])
      expect((await applyAll(false)).find((r) => r.id === 'post-deploy.public-network')?.result.status).toBe('ok')
    } finally {
      model = { ...model, networks: { ...model.networks, provider } }
      await applyAll(false)
    }
  })

  it('uploads a rebuilt guest image and deletes the old one', async () => {
    const old = fake.list('images')[0]!.id
    writeFileSync(image.existing, 'pretend qcow2 v2')
    const results = await applyAll(false)
    expect(results.find((r) => r.id === 'post-deploy.guest-image')?.result.detail).toMatch(
      /^uploaded stackhouse-tiny \(0\.0 MiB\), deleted 1 older$/,
    )
    expect(fake.list('images').map((i) => i.id)).not.toContain(old)
    expect(fake.list('images')).toHaveLength(1)
  })

  it('is one phase on the first control host', () => {
    const phase = postDeployPhase(model, admin, { stateDir, guestImage: image })
    expect(phase.id).toBe('post-deploy')
    expect(phase.hosts.map((h) => h.host.name)).toEqual(['aio1'])
    expect(phase.hosts[0]!.tasks.map((t) => t.id)).toEqual([
      'post-deploy.flavors',
      'post-deploy.demo-project',
      'post-deploy.public-network',
      'post-deploy.demo-network',
      'post-deploy.security-group',
      'post-deploy.keypair',
      'post-deploy.guest-image',
    ])
    const { provider: _unused, ...networks } = model.networks
    expect(postDeployTasks({ ...model, networks }, admin, { stateDir }).map((t) => t.id)).not.toContain('post-deploy.public-network')
  })
})

describe('the demo key', () => {
  it('is an OpenSSH ed25519 key made once, whose public half ssh-keygen derives too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-key-'))
    const [key, created] = ensureSshKey(join(dir, 'k'), 'demo@test')
    expect(created).toBe(true)
    expect(readFileSync(join(dir, 'k'), 'utf8')).toMatch(
      /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n$/,
    )
    expect(key!.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} demo@test$/)
    expect(ensureSshKey(join(dir, 'k'), 'demo@test')).toEqual([key, false])
    let fromKeygen: string | undefined
    try {
      fromKeygen = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'k')], { encoding: 'utf8' })
    } catch {
      return // no OpenSSH client on this machine
    }
    expect(fromKeygen.trim().split(' ').slice(0, 2)).toEqual(key!.publicKey.split(' ').slice(0, 2))
  })
})
