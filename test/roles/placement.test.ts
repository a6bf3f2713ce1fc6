// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import { iniGet, parseIni, type IniSection } from '../../installer/render/ini.ts'
import { authtoken, databaseUrl, type Authtoken } from '../../installer/render/openstack.ts'
import { apiWorkers } from '../../installer/role/index.ts'
import placement, { debconfSelections } from '../../roles/placement/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, renderRole } from '../helpers.ts'

const confPath = '/etc/placement/placement.conf'
const uwsgiPath = '/etc/placement/placement-api-uwsgi.ini'

/** Every [keystone_authtoken] key, as keystonemiddleware reads it. */
function expectAuthtoken(ini: IniSection[], a: Authtoken): void {
  const get = (k: string) => iniGet(ini, 'keystone_authtoken', k)
  expect(get('www_authenticate_uri')).toBe(a.wwwAuthenticateUri)
  expect(get('auth_url')).toBe(a.authUrl)
  expect(get('memcached_servers')).toBe(a.memcachedServers)
  expect(get('auth_type')).toBe('password')
  expect(get('project_domain_name')).toBe('Default')
  expect(get('user_domain_name')).toBe('Default')
  expect(get('project_name')).toBe('service')
  expect(get('username')).toBe(a.username)
  expect(get('password')).toBe(a.password)
  expect(get('region_name')).toBe(a.regionName)
  expect(get('service_token_roles')).toBe('service')
  expect(get('service_token_roles_required')).toBe('true')
}

describe('placement role', () => {
  it.each(fixtureNames)('%s: placement.conf uses its database and Keystone user', (fixture) => {
    // GIVEN the fixture's model WHEN placement is rendered
    const model = fixtureModel(fixture)
    const files = renderRole(fixture, placement)
    // THEN each control host, and only those, gets placement.conf
    expect([...new Set(files.map((f) => f.host))]).toEqual(model.groups.control)
    for (const host of model.groups.control!) {
      const f = fileAt(files, host, confPath)
      const ini = parseIni(f.content)
      expect(iniGet(ini, 'placement_database', 'connection')).toBe(databaseUrl(model, 'placement'))
      expect(iniGet(ini, 'api', 'auth_strategy')).toBe('keystone')
      expectAuthtoken(ini, authtoken(model, 'placement'))
      expect([f.owner, f.group, f.mode]).toEqual(['root', 'placement', 0o640])
    }
  })

  it.each(fixtureNames)('%s: uwsgi runs apiWorkers processes of placement-api', (fixture) => {
    // GIVEN the fixture's model WHEN placement is rendered
    const model = fixtureModel(fixture)
    const f = fileAt(renderRole(fixture, placement), model.groups.control![0]!, uwsgiPath)
    // THEN Debian's uwsgi settings stay and the process count follows the cloud's size
    const ini = parseIni(f.content)
    expect(iniGet(ini, 'uwsgi', 'processes')).toBe(String(apiWorkers(model)))
    expect(iniGet(ini, 'uwsgi', 'wsgi-file')).toBe('/usr/bin/placement-api')
    expect(iniGet(ini, 'uwsgi', 'http-chunked-input')).toBe('true')
    expect([f.owner, f.group, f.mode]).toEqual(['root', 'root', 0o644])
  })

  it('differs between an all-in-one cloud and a TLS 3-node cloud', () => {
    // GIVEN the aio and 3-node fixtures WHEN placement is rendered
    const ini = (fixture: 'aio' | '3-node', host: string, path: string) =>
      parseIni(fileAt(renderRole(fixture, placement), host, path).content)
    // THEN the worker count and the Keystone URLs follow each cloud
    expect(iniGet(ini('aio', 'aio1', uwsgiPath), 'uwsgi', 'processes')).toBe('1')
    expect(iniGet(ini('3-node', 'ctl1', uwsgiPath), 'uwsgi', 'processes')).toBe('4')
    expect(iniGet(ini('aio', 'aio1', confPath), 'keystone_authtoken', 'auth_url')).toBe('http://10.0.0.11:5000')
    expect(iniGet(ini('3-node', 'ctl1', confPath), 'keystone_authtoken', 'auth_url')).toBe('https://10.1.0.11:5000')
  })

  it('installs placement-api and runs placement-api.service', () => {
    const model = fixtureModel('aio')
    const ctx = { model, host: model.hosts[0]! }
    expect(placement.packages(ctx)).toEqual(['placement-api', 'python3-osc-placement'])
    expect(placement.units(ctx)).toEqual(['placement-api.service'])
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, placement))
  })

  describe('deploy hooks', () => {
    it.each(fixtureNames)('%s: syncs the schema once as placement unless it is at the installed head, then waits for uwsgi', (fixture) => {
      // GIVEN the fixture's model WHEN the steps of each control host are listed
      const model = fixtureModel(fixture)
      for (const host of model.hosts.filter((h) => h.groups.includes('control'))) {
        const steps = placement.bootstrap!({ model, host })
        // THEN db sync runs once, before placement-api starts, as user placement
        expect(steps.map((s) => [s.id, s.when ?? 'before-start', s.on ?? 'each'])).toEqual([
          ['placement.db-sync', 'before-start', 'first-control-host'],
          ['placement.wait', 'after-start', 'each'],
        ])
        const [sync, wait] = steps
        expect(sync!.run!.startsWith("su -s /bin/sh -c 'placement-manage db sync' -- placement && ")).toBe(true)
        // AND the guard compares the database's revision with the head of the installed migrations
        expect(sync!.unless).toMatch(
          /\|\| \{ su -s \/bin\/sh -c '\[ "\$\(placement-manage db version \| tail -n 1\)" = "\$\(\/usr\/local\/libexec\/stackhouse\/alembic-head placement\.db\.sqlalchemy\)" \]' -- placement && /,
        )
        expect(wait).toMatchObject({
          unless: `/usr/local/libexec/stackhouse/http-answers ${model.tls.enabled ? 'https' : 'http'}://${host.address}:8778/`,
          waitUntil: { timeoutSeconds: 120 },
        })
        // AND no secret is in a command line
        const secrets = Object.values(model.secrets).filter((v): v is string => !!v)
        for (const s of steps) for (const text of [s.run ?? '', s.unless ?? '']) for (const v of secrets) expect(text).not.toContain(v)
      }
    })

    it('pre-seeds debconf, makes the placement database and registers the placement service', () => {
      // GIVEN the all-in-one model
      const model = fixtureModel('aio')
      const ctx = { model, host: model.hosts[0]! }
      // THEN every configure question is answered false
      expect(placement.debconf!(ctx)).toEqual([...debconfSelections])
      expect(placement.databases!(model)).toEqual([{ database: 'placement', service: 'placement' }])
      // AND Keystone gets user placement (admin and service roles), the service and its endpoints
      const e = model.endpoints.placement
      expect(placement.register!(model)).toEqual([
        {
          user: { name: 'placement', password: model.secrets.placement_keystone_password, project: 'service', roles: ['admin', 'service'] },
          service: { name: 'placement', type: 'placement', description: 'OpenStack Placement' },
          endpoints: { region: 'RegionOne', public: e.public, internal: e.internal, admin: e.admin },
        },
      ])
      expect(e.internal).toBe('http://10.0.0.11:8778')
    })
  })
})
