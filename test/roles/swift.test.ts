// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { iniGet, parseIni } from '../../installer/render/ini.ts'
import { scriptPath } from '../../installer/render/scripts.ts'
import { authtoken } from '../../installer/render/openstack.ts'
import swift, { ringCommands, ringReplicas } from '../../roles/swift/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, hostContext, renderRole, expectSafeSteps } from '../helpers.ts'

const PROXY = '/etc/swift/proxy-server.conf'
const SWIFT = '/etc/swift/swift.conf'
const servers = [
  { path: '/etc/swift/account-server.conf', port: '6202', app: 'account-server', egg: 'egg:swift#account' },
  { path: '/etc/swift/container-server.conf', port: '6201', app: 'container-server', egg: 'egg:swift#container' },
  { path: '/etc/swift/object-server.conf', port: '6200', app: 'object-server', egg: 'egg:swift#object' },
]

describe('swift role', () => {
  it('authenticates the proxy with Keystone on the all-in-one host', () => {
    // GIVEN the aio fixture WHEN swift is rendered
    const model = fixtureModel('aio')
    const proxy = fileAt(renderRole('aio', swift), 'aio1', PROXY)
    const ini = parseIni(proxy.content)
    // THEN the proxy listens on the host's address with one worker, and Keystone decides access
    expect(iniGet(ini, 'DEFAULT', 'bind_ip')).toBe('10.0.0.11')
    expect(iniGet(ini, 'DEFAULT', 'bind_port')).toBe('8080')
    // all-in-one: each server runs in its own main process, no forked child
    expect(iniGet(ini, 'DEFAULT', 'workers')).toBe('0')
    const pipeline = iniGet(ini, 'pipeline:main', 'pipeline')!.split(' ')
    expect(pipeline).toContain('authtoken')
    expect(pipeline).not.toContain('tempauth')
    expect(pipeline.indexOf('keystoneauth')).toBe(pipeline.indexOf('authtoken') + 1)
    expect(pipeline.at(-1)).toBe('proxy-server')
    // Every filter in the pipeline has its section.
    for (const name of pipeline.slice(0, -1)) expect(ini.some((s) => s.name === `filter:${name}`)).toBe(true)
    expect(iniGet(ini, 'app:proxy-server', 'account_autocreate')).toBe('true')
    expect(iniGet(ini, 'filter:keystoneauth', 'operator_roles')).toBe('admin,member')
    expect(iniGet(ini, 'filter:cache', 'memcache_servers')).toBe('10.0.0.11:11211')
    const a = authtoken(model, 'swift')
    expect(iniGet(ini, 'filter:authtoken', 'paste.filter_factory')).toBe('keystonemiddleware.auth_token:filter_factory')
    expect(iniGet(ini, 'filter:authtoken', 'www_authenticate_uri')).toBe(a.wwwAuthenticateUri)
    expect(iniGet(ini, 'filter:authtoken', 'auth_url')).toBe(a.authUrl)
    expect(iniGet(ini, 'filter:authtoken', 'memcached_servers')).toBe(a.memcachedServers)
    expect(iniGet(ini, 'filter:authtoken', 'auth_type')).toBe('password')
    expect(iniGet(ini, 'filter:authtoken', 'project_domain_name')).toBe('Default')
    expect(iniGet(ini, 'filter:authtoken', 'user_domain_name')).toBe('Default')
    expect(iniGet(ini, 'filter:authtoken', 'project_name')).toBe('service')
    expect(iniGet(ini, 'filter:authtoken', 'username')).toBe('swift')
    expect(iniGet(ini, 'filter:authtoken', 'password')).toBe(model.secrets.swift_keystone_password)
    expect(iniGet(ini, 'filter:authtoken', 'region_name')).toBe('RegionOne')
    expect(iniGet(ini, 'filter:authtoken', 'service_token_roles_required')).toBe('true')
    expect(iniGet(ini, 'filter:authtoken', 'delay_auth_decision')).toBe('true')
    expect([proxy.owner, proxy.group, proxy.mode]).toEqual(['root', 'swift', 0o640])
    expect(proxy.notify).toEqual(['swift-proxy.service'])
  })

  it.each(['aio', '3-node'] as const)('gives every swift host the same hash secrets (%s)', (fixture) => {
    // GIVEN a fixture with swift on WHEN swift is rendered
    const model = fixtureModel(fixture)
    const confs = renderRole(fixture, swift).filter((f) => f.path === SWIFT)
    // THEN each host's swift.conf holds the cloud's prefix and suffix, root:swift 0640
    expect(confs.map((f) => f.host).sort()).toEqual(
      swift
        .hosts(model)
        .map((h) => h.name)
        .sort(),
    )
    for (const f of confs) {
      const ini = parseIni(f.content)
      expect(iniGet(ini, 'swift-hash', 'swift_hash_path_prefix')).toBe(model.secrets.swift_hash_path_prefix)
      expect(iniGet(ini, 'swift-hash', 'swift_hash_path_suffix')).toBe(model.secrets.swift_hash_path_suffix)
      expect(iniGet(ini, 'storage-policy:0', 'default')).toBe('yes')
      expect([f.owner, f.group, f.mode]).toEqual(['root', 'swift', 0o640])
    }
  })

  it('puts the proxy on ctl1 and the storage servers on cmp1/cmp2, each on its own address', () => {
    // GIVEN the 3-node fixture WHEN swift is rendered
    const model = fixtureModel('3-node')
    const files = renderRole('3-node', swift)
    // THEN only ctl1 has the proxy and the ring plan
    expect(files.filter((f) => f.path === PROXY).map((f) => f.host)).toEqual(['ctl1'])
    expect(files.filter((f) => f.path.endsWith('stackhouse-rings.txt')).map((f) => f.host)).toEqual(['ctl1'])
    // AND each storage host runs the three servers on Swift's ports, on its own address, over /srv/node
    for (const host of model.hosts.filter((h) => h.name !== 'ctl1')) {
      for (const s of servers) {
        const f = fileAt(files, host.name, s.path)
        const ini = parseIni(f.content)
        expect(iniGet(ini, 'DEFAULT', 'bind_ip')).toBe(host.address)
        expect(iniGet(ini, 'DEFAULT', 'bind_port')).toBe(s.port)
        expect(iniGet(ini, 'DEFAULT', 'devices')).toBe('/srv/node')
        expect(iniGet(ini, 'DEFAULT', 'mount_check')).toBe('false')
        expect(iniGet(ini, 'DEFAULT', 'workers')).toBe('4')
        expect(iniGet(ini, 'pipeline:main', 'pipeline')).toBe(`healthcheck recon ${s.app}`)
        expect(iniGet(ini, `app:${s.app}`, 'use')).toBe(s.egg)
        expect([f.owner, f.group, f.mode]).toEqual(['root', 'root', 0o644])
      }
      const rsync = parseIni(fileAt(files, host.name, '/etc/rsyncd.conf').content)
      expect(iniGet(rsync, '', 'address')).toBe(host.address)
      expect(iniGet(rsync, '', 'uid')).toBe('swift')
      for (const m of ['account', 'container', 'object']) expect(iniGet(rsync, m, 'path')).toBe('/srv/node/')
      expect(fileAt(files, host.name, '/etc/swift/object-server.conf').notify).toEqual([
        'swift-object.service',
        'swift-object-auditor.service',
        'swift-object-replicator.service',
        'swift-object-updater.service',
      ])
    }
    // AND the packages and units follow the host's part
    const [ctl1, cmp1] = [model.hosts[0]!, model.hosts[1]!]
    expect(swift.packages({ model, host: ctl1 })).toEqual(['swift', 'swift-proxy', 'python3-keystonemiddleware'])
    expect(swift.units({ model, host: ctl1 })).toEqual(['swift-proxy.service'])
    expect(swift.packages({ model, host: cmp1 })).toEqual(['swift', 'swift-account', 'swift-container', 'swift-object', 'rsync'])
    expect(swift.units({ model, host: cmp1 })).toHaveLength(13)
    expect(swift.units({ model, host: cmp1 })).toContain('rsync.service')
    // AND with two copies of everything every consistency daemon runs; only those with nothing to do are off
    expect(swift.unitsOff!({ model, host: cmp1 })).toEqual([
      'swift-container-reconciler.service',
      'swift-container-sharder.service',
      'swift-container-sync.service',
      'swift-object-reconstructor.service',
    ])
    expect(swift.unitsOff!({ model, host: ctl1 })).toEqual([])
  })

  it('runs the background daemons as one periodic pass on a one-replica ring', () => {
    // GIVEN the all-in-one cloud: one storage host, so one replica
    const model = fixtureModel('aio')
    const host = model.hosts[0]!
    expect(ringReplicas(model)).toBe(1)
    // THEN none of the nine resident daemons runs, nor the four Debian enables that have nothing to do, and no file change restarts one
    const all = swift.unitsOff!({ model, host })
    expect(all).toHaveLength(13)
    expect(all).toContain('swift-container-reconciler.service')
    const off = all.filter((u) => !/reconciler|sharder|sync|reconstructor/.test(u))
    expect(off).toHaveLength(9)
    expect(off).toEqual(
      expect.arrayContaining(['swift-object-replicator.service', 'swift-account-reaper.service', 'swift-container-updater.service']),
    )
    const units = swift.units({ model, host })
    expect(units.filter((u) => off.includes(u))).toEqual([])
    expect(units).toEqual(expect.arrayContaining(['swift-housekeeping.timer', 'swift-object.service', 'swift-proxy.service']))
    const files = renderRole('aio', swift)
    expect(fileAt(files, host.name, '/etc/swift/object-server.conf').notify).toEqual(['swift-object.service'])
    // AND the timer's unit runs each of them once, as swift, updaters first
    const unit = fileAt(files, host.name, '/etc/systemd/system/swift-housekeeping.service').content
    const passes = unit.split('\n').filter((l) => l.startsWith('ExecStart='))
    expect(passes).toHaveLength(9)
    expect(passes[0]).toBe('ExecStart=/usr/bin/swift-container-updater /etc/swift/container-server.conf --once')
    for (const unitName of off) {
      const [, type, daemon] = /^swift-(\w+)-(\w+)\.service$/.exec(unitName)!
      expect(passes).toContain(`ExecStart=/usr/bin/swift-${type}-${daemon} /etc/swift/${type}-server.conf --once`)
    }
    expect(unit).toMatch(/^Type=oneshot$/m)
    expect(unit).toMatch(/^User=swift$/m)
    expect(fileAt(files, host.name, '/etc/systemd/system/swift-housekeeping.timer').content).toMatch(/^OnUnitInactiveSec=5min$/m)
    // AND systemd is told about the new units before they start
    expect(swift.bootstrap!({ model, host }).map((s) => s.id)).toContain('swift.daemon-reload')
  })

  it('builds rings with one device per storage host and the configured replicas', () => {
    // GIVEN the 3-node fixture (replicas 2, part_power 10, device swift1) WHEN the ring plan is made
    const model = fixtureModel('3-node')
    // THEN each ring is created, gets cmp1 and cmp2 on its port, and is rebalanced
    expect(ringCommands(model)).toEqual([
      'swift-ring-builder /etc/swift/account.builder create 10 2 1',
      'swift-ring-builder /etc/swift/account.builder add r1z1-10.1.0.21:6202/swift1 100',
      'swift-ring-builder /etc/swift/account.builder add r1z1-10.1.0.22:6202/swift1 100',
      'swift-ring-builder /etc/swift/account.builder rebalance',
      'swift-ring-builder /etc/swift/container.builder create 10 2 1',
      'swift-ring-builder /etc/swift/container.builder add r1z1-10.1.0.21:6201/swift1 100',
      'swift-ring-builder /etc/swift/container.builder add r1z1-10.1.0.22:6201/swift1 100',
      'swift-ring-builder /etc/swift/container.builder rebalance',
      'swift-ring-builder /etc/swift/object.builder create 10 2 1',
      'swift-ring-builder /etc/swift/object.builder add r1z1-10.1.0.21:6200/swift1 100',
      'swift-ring-builder /etc/swift/object.builder add r1z1-10.1.0.22:6200/swift1 100',
      'swift-ring-builder /etc/swift/object.builder rebalance',
    ])
    // AND the plan file on the proxy host lists exactly those commands
    const plan = fileAt(renderRole('3-node', swift), 'ctl1', '/etc/swift/stackhouse-rings.txt').content
    expect(plan.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(ringCommands(model))
  })

  it('never asks for more replicas than there are storage hosts', () => {
    // GIVEN the 3-node model asking for 3 replicas, and the aio model (1 host)
    const asked = fixtureModel('3-node', (m) => ({ backends: { ...m.backends, swift: { ...m.backends.swift, replicas: 3 } } }))
    // WHEN the replica count is computed THEN it is capped at the storage hosts
    expect(ringReplicas(asked)).toBe(2)
    expect(ringReplicas(fixtureModel('aio'))).toBe(1)
    expect(ringCommands(fixtureModel('aio'))[0]).toBe('swift-ring-builder /etc/swift/account.builder create 10 1 1')
  })

  it('is absent in the vsphere cloud, where swift is off', () => {
    // GIVEN the vsphere fixture (services.swift false) WHEN swift is rendered THEN nothing is
    expect(swift.enabled(fixtureModel('vsphere'))).toBe(false)
    expect(renderRole('vsphere', swift)).toEqual([])
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, swift))
  })
})

describe('swift role: deploy hooks', () => {
  const stepsOf = (model: Model, name: string) => swift.bootstrap!(hostContext(model, name))
  const rings = '[ -s /etc/swift/account.ring.gz ] && [ -s /etc/swift/container.ring.gz ] && [ -s /etc/swift/object.ring.gz ]'

  it('makes the device directory and builds the rings before the units start on the aio host', () => {
    // GIVEN the aio fixture (proxy and storage on one host)
    const model = fixtureModel('aio')
    const steps = stepsOf(model, 'aio1')
    // THEN /srv/node/swift1 is swift's, then the rings are built from the plan, all before-start
    expect(steps.map((s) => s.id)).toEqual(['swift.device', 'swift.rings', 'swift.daemon-reload'])
    expect(steps.every((s) => (s.when ?? 'before-start') === 'before-start')).toBe(true)
    expect(steps[0]!.run).toContain('install -d -o swift -g swift -m 755 -- /srv/node/swift1')
    const build = steps[1]!
    expect(build.unless).toBe(`${rings} && cmp -s /etc/swift/stackhouse-rings.txt /etc/swift/.stackhouse-rings.built`)
    // AND it runs the ring script on the plan (its behaviour: test/roles/swift-rings.test.ts), shipped to this host
    expect(build.run).toBe(`${scriptPath('swift-rings.sh')} /etc/swift/stackhouse-rings.txt /etc/swift/.stackhouse-rings.built`)
    const shipped = swift.files!(hostContext(model, 'aio1')).map((f) => f.path)
    expect(shipped).toEqual(expect.arrayContaining([scriptPath('swift-rings.sh'), scriptPath('swift-ring-addresses.sh')]))
    expectSafeSteps(model, steps)
  })

  it('builds the rings on the first proxy host of the 3-node cloud, and copies them from there to the storage hosts', () => {
    // GIVEN the 3-node fixture (proxy on ctl1, storage on cmp1 and cmp2)
    const model = fixtureModel('3-node')
    // THEN ctl1 builds them and hands them over; each storage host takes them from ctl1 before its units start
    const copy = { files: ['/etc/swift/account.ring.gz', '/etc/swift/container.ring.gz', '/etc/swift/object.ring.gz'], from: 'ctl1' }
    expect(stepsOf(model, 'ctl1').map((s) => [s.id, s.copy])).toEqual([
      ['swift.rings', undefined],
      ['swift.rings-copy', copy],
    ])
    for (const name of ['cmp1', 'cmp2']) {
      const steps = stepsOf(model, name)
      expect(steps.map((s) => s.id)).toEqual(['swift.device', 'swift.rings-copy'])
      expect(steps[1]!.copy).toEqual(copy)
      expect(steps[1]!.when ?? 'before-start').toBe('before-start')
      expectSafeSteps(model, steps)
    }
    expectSafeSteps(model, stepsOf(model, 'ctl1'))
  })

  it.each(['aio', '3-node'] as const)('%s: registers the object store, its endpoints and the swift user', (fixture) => {
    // GIVEN the fixture model WHEN swift's Keystone entities are listed
    const model = fixtureModel(fixture)
    const e = model.endpoints.swift
    // THEN the service user with admin and service roles, the object-store service and its three endpoints
    expect(swift.register!(model)).toEqual([
      {
        user: { name: 'swift', password: model.secrets.swift_keystone_password, project: 'service', roles: ['admin', 'service'] },
        service: { name: 'swift', type: 'object-store', description: 'OpenStack Object Storage' },
        endpoints: { region: model.region, public: e.public, internal: e.internal, admin: e.admin },
      },
    ])
    expect(swift.databases).toBeUndefined()
  })
})
