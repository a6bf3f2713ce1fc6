// SPDX-License-Identifier: Apache-2.0
// remove-host against a fake cloud and recording hosts: refused while a server runs
// on the host (nothing changed), refused for a storage host; else the compute service
// disabled, the host's units stopped, Nova's service and Neutron's agents deleted, and
// the host out of the inventory; a re-run has nothing to do.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeHost } from '../../installer/commands/remove-host.ts'
import { UsageError } from '../../installer/errors.ts'
import { cloud, KeystoneClient } from '../../installer/openstack/index.ts'
import { ensureSecrets } from '../../installer/secrets/store.ts'
import { roles } from '../../roles/index.ts'
import { testCatalog } from '../helpers.ts'
import { FakeCloud } from '../openstack/fake-cloud.ts'
import { FakeHost } from '../runner/fake-host.ts'

const fake = new FakeCloud('fake-admin-password')
beforeAll(() => fake.start())
afterAll(() => fake.stop())

const inventoryText = `name: rm
hosts:
  - { name: ctl, address: 10.1.0.11 }
  - { name: cmp1, address: 10.1.0.21 }
  - { name: cmp2, address: 10.1.0.22 }
groups: { control: [ctl], network: [ctl], compute: [cmp1, cmp2], storage: [ctl] }
networks:
  management: { cidr: 10.1.0.0/24, interface: ens3 }
`

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-rm-'))
  writeFileSync(join(dir, 'inventory.yml'), inventoryText)
  ensureSecrets(join(dir, 'secrets.yaml'), testCatalog)
  fake.computeServices.splice(
    0,
    fake.computeServices.length,
    { binary: 'nova-conductor', host: 'ctl', state: 'up' },
    { binary: 'nova-compute', host: 'cmp1', state: 'up' },
    { binary: 'nova-compute', host: 'cmp2', state: 'up' },
  )
  fake.list('agents').splice(0)
  for (const host of ['ctl', 'cmp1', 'cmp2'])
    fake.add('agents', { binary: 'neutron-linuxbridge-agent', host, alive: true, agent_type: 'Linux bridge agent' })
  const hosts = new Map([['cmp2', new FakeHost('cmp2', '10.1.0.22')]])
  const admin = async () =>
    cloud(
      await KeystoneClient.login({
        authUrl: `${fake.url}/public/identity/v3`,
        username: 'admin',
        password: 'fake-admin-password',
        projectName: 'admin',
      }),
    )
  return {
    project: { inventory: join(dir, 'inventory.yml'), secrets: join(dir, 'secrets.yaml') },
    hosts,
    how: { admin, connect: async () => hosts },
  }
}

describe('remove-host', () => {
  it('is refused while a server runs on the host, naming it, and changes nothing', async () => {
    const { project, how, hosts } = setUp()
    const server = fake.add('servers', { name: 'web1', status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': 'cmp2' })
    try {
      const e = await removeHost(project, 'cmp2', roles, how).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(UsageError)
      expect((e as Error).message).toBe(`1 server(s) run on cmp2: web1 (${server.id}); nothing was changed`)
      expect(fake.computeServices.every((s) => !s.status && !s.deleted)).toBe(true)
      expect(hosts.get('cmp2')!.commands).toEqual([])
      expect(readFileSync(project.inventory, 'utf8')).toBe(inventoryText)
    } finally {
      fake.list('servers').splice(fake.list('servers').indexOf(server), 1)
    }
  })

  it('refuses a host that is not only a compute host, before asking the cloud anything', async () => {
    const { project, how } = setUp()
    const before = fake.requests.length
    await expect(removeHost(project, 'ctl', roles, how)).rejects.toThrow(
      'ctl is in group control, network, storage: remove-host takes out compute hosts only',
    )
    expect(fake.requests.length).toBe(before)
  })

  it("disables, stops, deletes the host's records and takes it out of the inventory; a re-run has nothing to do", async () => {
    const { project, how, hosts } = setUp()
    const r = await removeHost(project, 'cmp2', roles, how)
    expect(r).toMatchObject({
      host: 'cmp2',
      inventoryChanged: true,
      deleted: ['nova-compute on cmp2', 'neutron-linuxbridge-agent on cmp2'],
    })
    expect(r.machine).toMatch(/^\d+ units stopped and disabled$/)
    expect(hosts.get('cmp2')!.commands[0]).toMatch(/^systemctl disable --now .*nova-compute\.service/)
    // Disabled before it was stopped, deleted after: the PUT comes before the DELETE
    const calls = fake.requests.filter((q) => /os-services\/\d/.test(q))
    expect(calls.map((q) => q.split(' ')[0])).toEqual(['PUT', 'DELETE'])
    expect(fake.computeServices.filter((s) => !s.deleted).map((s) => s.host)).toEqual(['ctl', 'cmp1'])
    expect(fake.list('agents').map((a) => a.host)).toEqual(['ctl', 'cmp1'])
    expect(readFileSync(project.inventory, 'utf8')).not.toContain('cmp2')
    expect(await removeHost(project, 'cmp2', roles, how)).toEqual({
      host: 'cmp2',
      machine: 'not in the inventory: nothing to do',
      deleted: [],
      inventoryChanged: false,
    })
  })
})
