// SPDX-License-Identifier: Apache-2.0
// Keystone registration against the fake cloud: what it makes, that a second run
// reads each kind of entity once instead of once per entity, and that it still
// finds a changed password (secrets rotate relies on that).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeystoneClient } from '../../installer/openstack/keystone.ts'
import { keystoneTask, type KeystoneSpec } from '../../installer/tasks/keystone.ts'
import type { TaskResult } from '../../installer/tasks/types.ts'
import { FakeCloud } from '../openstack/fake-cloud.ts'
import { FakeHost } from '../runner/fake-host.ts'
import { fixtureModel } from '../helpers.ts'

const fake = new FakeCloud('fake-admin-password')
const authUrl = () => `${fake.url}/internal/identity/v3`
const host = fixtureModel('aio').hosts[0]!

const catalog = (name: string, type: string, password = `${name}-pw`): KeystoneSpec => ({
  role: name,
  user: { name, password, project: 'service', roles: ['admin', 'service'] },
  service: { name, type, description: `OpenStack ${type}` },
  endpoints: { region: 'RegionOne', public: `http://pub/${name}`, internal: `http://int/${name}`, admin: `http://adm/${name}` },
})

const specs = (over: Partial<Record<string, string>> = {}): KeystoneSpec[] => [
  { role: 'keystone', projects: ['service'], roles: ['service'] },
  catalog('glance', 'image', over.glance),
  catalog('nova', 'compute', over.nova),
  catalog('placement', 'placement', over.placement),
]

/** One deploy's registrations: one admin client for the run (as deploy makes it), tasks in order. */
async function run(list: KeystoneSpec[], check = false): Promise<{ results: string[]; requests: string[]; perTask: number[] }> {
  const first = fake.requests.length
  let client: Promise<KeystoneClient> | undefined
  const admin = () =>
    (client ??= KeystoneClient.login({ authUrl: authUrl(), username: 'admin', password: 'fake-admin-password', projectName: 'admin' }))
  const tasks = list.map((s) => keystoneTask(s, admin, authUrl()))
  const results: string[] = []
  const perTask: number[] = []
  for (const t of tasks) {
    const before = fake.requests.length
    const r: TaskResult = await t.apply({
      transport: new FakeHost('aio1'),
      host,
      check,
      changedFiles: new Set(),
      log: () => {},
      redact: (s) => s,
    })
    results.push(`${t.id}: ${r.status}${r.detail ? ` ${r.detail}` : ''}`)
    perTask.push(fake.requests.length - before)
  }
  return { results, requests: fake.requests.slice(first), perTask }
}

const logins = (requests: string[]) => requests.filter((r) => /^POST .*\/auth\/tokens(\?|$)/.test(r))
const reads = (requests: string[]) => requests.filter((r) => r.startsWith('GET '))
const writes = (requests: string[]) => requests.filter((r) => !r.startsWith('GET ') && !logins([r]).length)

beforeAll(() => fake.start())
afterAll(() => fake.stop())

describe('Keystone registration', () => {
  it('in check mode on an empty cloud reports everything and writes nothing', async () => {
    const { results, requests } = await run(specs(), true)
    expect(results).toEqual([
      'keystone.register: changed project service, role service',
      ...['glance', 'nova', 'placement'].map(
        (n) => `${n}.register: changed user ${n}, roles of ${n}, service ${n}, public endpoint, internal endpoint, admin endpoint`,
      ),
    ])
    expect(writes(requests)).toEqual([])
  })

  it('makes projects, roles, users with their roles, services and endpoints', async () => {
    const { results, requests } = await run(specs())
    expect(results.every((r) => r.includes(': changed '))).toBe(true)
    // A user made in this run has its password: only the admin logs in.
    expect(logins(requests)).toHaveLength(1)
    const service = fake.list('projects').find((p) => p.name === 'service')!
    const role = (name: string) => fake.list('roles').find((r) => r.name === name)!.id
    for (const name of ['glance', 'nova', 'placement']) {
      const user = fake.list('users').find((u) => u.name === name)!
      expect(
        fake
          .list('assignments')
          .filter((a) => a.user === user.id && a.project === service.id)
          .map((a) => a.role),
      ).toEqual([role('admin'), role('service')])
    }
    expect(fake.list('services').map((s) => s.type)).toEqual(['image', 'compute', 'placement'])
    expect(fake.list('endpoints')).toHaveLength(9)
  })

  it('a second run changes nothing, with one listing per kind and the password checks', async () => {
    // GIVEN everything registered WHEN the same registrations run again
    const { results, requests, perTask } = await run(specs())
    // THEN nothing changes
    expect(results).toEqual(specs().map((s) => `${s.role}.register: ok`))
    expect(writes(requests)).toEqual([])
    // AND each kind is listed once, however many entities: projects, roles, users, services, endpoints, the service project's assignments
    expect(
      reads(requests)
        .map((r) => r.replace(/^GET \/internal\/identity\/v3/, '').replace(/=[0-9a-f-]{36}$/, '=<id>'))
        .sort(),
    ).toEqual([
      '/endpoints',
      '/projects?domain_id=default',
      '/role_assignments?scope.project.id=<id>',
      '/roles',
      '/services',
      '/users?domain_id=default',
    ])
    // AND one login for the admin, one password check per user, all checked together by the first task that asks
    expect(logins(requests)).toHaveLength(1 + 3)
    expect(perTask.slice(2)).toEqual([0, 0])
  })

  it('finds a changed password and sets it, and then the user logs in with it', async () => {
    const { results, requests } = await run(specs({ nova: 'rotated-pw' }))
    expect(results).toEqual([
      'keystone.register: ok',
      'glance.register: ok',
      'nova.register: changed password of nova',
      'placement.register: ok',
    ])
    expect(writes(requests)).toEqual([`PATCH /internal/identity/v3/users/${fake.list('users').find((u) => u.name === 'nova')!.id}`])
    await expect(
      KeystoneClient.login({ authUrl: authUrl(), username: 'nova', password: 'rotated-pw', projectName: 'service' }),
    ).resolves.toBeDefined()
    expect((await run(specs({ nova: 'rotated-pw' }))).results.every((r) => r.endsWith(': ok'))).toBe(true)
  })

  it('repairs a moved endpoint and a lost role assignment', async () => {
    const endpoint = fake.list('endpoints').find((e) => e.url === 'http://int/glance')!
    endpoint.url = 'http://old/glance'
    const glance = fake.list('users').find((u) => u.name === 'glance')!
    fake.list('assignments').splice(
      fake.list('assignments').findIndex((a) => a.user === glance.id && a.role === 'r-admin'),
      1,
    )
    const { results } = await run(specs({ nova: 'rotated-pw' }))
    expect(results[1]).toBe('glance.register: changed role admin for glance, internal endpoint')
    expect(endpoint.url).toBe('http://int/glance')
    expect((await run(specs({ nova: 'rotated-pw' }))).results.every((r) => r.endsWith(': ok'))).toBe(true)
  })
})
