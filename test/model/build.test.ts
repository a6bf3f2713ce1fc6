// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import { loadProject, readInventory } from '../../installer/project.ts'
import { buildModel } from '../../installer/model/build.ts'
import { fakeSecrets, fixtureModel } from '../helpers.ts'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { roles } from '../../roles/index.ts'

describe('model', () => {
  it('resolves an all-in-one inventory: every group on one host, endpoints on its address', () => {
    const m = fixtureModel('aio')
    expect(m.hosts).toHaveLength(1)
    expect(m.hosts[0]!.groups).toEqual(['all', 'compute', 'control', 'network', 'storage'])
    expect(m.endpoints.keystone).toEqual({
      type: 'identity',
      port: 5000,
      process: 'keystone',
      log: '/var/log/keystone/keystone.log',
      public: 'http://10.0.0.11:5000/v3',
      internal: 'http://10.0.0.11:5000/v3',
      admin: 'http://10.0.0.11:5000/v3',
    })
    expect(m.endpoints.cinder.public).toBe('http://10.0.0.11:8776/v3/%(project_id)s')
    expect(m.endpoints.swift.admin).toBe('http://10.0.0.11:8080/v1')
    expect(m.database).toEqual({ host: '10.0.0.11', port: 3306 })
    expect(m.memcachedServers).toEqual(['10.0.0.11:11211'])
    expect(m.backends).toMatchObject({ network: 'linuxbridge', blockStorage: 'lvm', compute: 'libvirt', virtType: 'auto' })
    expect(m.services).toEqual({ cinder: true, swift: true, horizon: true })
  })

  it('uses https and the public name for public URLs when TLS is on', () => {
    const m = fixtureModel('3-node')
    expect(m.endpoints.nova.public).toBe('https://cloud.example.test:8774/v2.1')
    expect(m.endpoints.nova.internal).toBe('https://10.1.0.11:8774/v2.1')
    expect(m.dashboardUrl).toBe('https://cloud.example.test/horizon')
    expect(m.hosts.find((h) => h.name === 'cmp2')).toMatchObject({ tunnelAddress: '10.2.0.22', ssh: { user: 'debian', port: 2222 } })
    expect(m.hosts.find((h) => h.name === 'ctl1')!.tunnelAddress).toBe('10.1.0.11')
    expect(m.rabbitmq.hosts).toEqual(['10.1.0.11'])
    expect(m.config.nova!['nova.conf']!.DEFAULT).toEqual({ cpu_allocation_ratio: '4' })
  })

  it('turns off services the inventory turns off', () => {
    expect(fixtureModel('vsphere').services.swift).toBe(false)
    expect(fixtureModel('vsphere').vsphere).toMatchObject({ cluster: 'Cluster01', insecure: false })
  })

  it('builds the built-in all-in-one sandbox cloud with no inventory', () => {
    const inv = readInventory({})
    const m = buildModel(inv, null, fakeSecrets(), roles)
    expect(m.target).toBe('sandbox')
    expect(m.backends.blockStorage).toBe('ceph')
    expect(m.networks.provider).toMatchObject({ cidr: '10.78.0.0/24', allocation: { start: '10.78.0.100', end: '10.78.0.200' } })
  })

  it("takes the infrastructure's ports from the roles that serve them, as endpoints from their APIs", () => {
    const inv = readInventory({})
    const moved = roles.map((r) =>
      r.name === 'mariadb' ? { ...r, ports: { mysql: 3307 } } : r.name === 'memcached' ? { ...r, ports: { memcached: 11311 } } : r,
    )
    const m = buildModel(inv, null, fakeSecrets(), moved)
    expect(m.database.port).toBe(3307)
    expect(m.memcachedServers.every((s) => s.endsWith(':11311'))).toBe(true)
    expect(buildModel(inv, null, fakeSecrets(), roles).database.port).toBe(3306)
    // A role list without the one that serves it is a bug, said as one
    expect(() =>
      buildModel(
        inv,
        null,
        fakeSecrets(),
        roles.filter((r) => r.name !== 'rabbitmq'),
      ),
    ).toThrow('buildModel: no role rabbitmq with a port amqp among the roles given')
  })

  it('loads a project: secrets made once on purpose, then read; never made as a side effect', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-project-'))
    const file = join(dir, 'secrets.yaml')
    // GIVEN no secrets file WHEN a project is loaded THEN it is refused with the command that makes it, and none is made
    expect(() => loadProject({ secrets: file })).toThrow(`${file}: does not exist: secrets are made on purpose`)
    expect(existsSync(file)).toBe(false)
    // WHEN they are made on purpose THEN later loads read the same values
    const p1 = loadProject({ secrets: file, createSecrets: true })
    const p2 = loadProject({ secrets: file })
    expect(p1.secrets.generated.length).toBeGreaterThan(20)
    expect(p2.secrets.generated).toEqual([])
    expect(p2.model.secrets).toEqual(p1.model.secrets)
  })
})
