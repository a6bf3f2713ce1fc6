// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import { iniGet, parseIni, type IniSection } from '../../installer/render/ini.ts'
import { authtoken, databaseUrl, type Authtoken } from '../../installer/render/openstack.ts'
import { eventletWorkers } from '../../installer/role/index.ts'
import glance, { debconfSelections } from '../../roles/glance/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, renderRole } from '../helpers.ts'

const path = '/etc/glance/glance-api.conf'

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

describe('glance role', () => {
  it.each(fixtureNames)('%s: glance-api.conf on each control host only', (fixture) => {
    // GIVEN the fixture's model WHEN glance is rendered
    const model = fixtureModel(fixture)
    const files = renderRole(fixture, glance)
    // THEN the control hosts, and no others, get glance-api.conf
    expect([...new Set(files.map((f) => f.host))]).toEqual(model.groups.control)
    for (const host of model.hosts.filter((h) => h.groups.includes('control'))) {
      const f = fileAt(files, host.name, path)
      const ini = parseIni(f.content)
      // AND the service listens on its own management address, forking eventletWorkers children (none all-in-one)
      // (on the loopback with TLS on: Apache serves the address's port, test/roles/tls.test.ts)
      expect(iniGet(ini, 'DEFAULT', 'bind_host')).toBe(model.tls.enabled ? '127.0.0.1' : host.address)
      expect(iniGet(ini, 'DEFAULT', 'bind_port')).toBe(String(model.endpoints.glance.port))
      expect(iniGet(ini, 'DEFAULT', 'workers')).toBe(String(eventletWorkers(model)))
      // AND uses the shared database URL and its own Keystone credentials
      expect(iniGet(ini, 'database', 'connection')).toBe(databaseUrl(model, 'glance'))
      expectAuthtoken(ini, authtoken(model, 'glance'))
      expect(iniGet(ini, 'paste_deploy', 'flavor')).toBe('keystone')
      // AND stores images in /var/lib/glance/images through the multi-store `file` backend
      expect(iniGet(ini, 'DEFAULT', 'enabled_backends')).toBe('file:file')
      expect(iniGet(ini, 'glance_store', 'default_backend')).toBe('file')
      expect(iniGet(ini, 'file', 'filesystem_store_datadir')).toBe('/var/lib/glance/images/')
      expect(iniGet(ini, 'os_glance_staging_store', 'filesystem_store_datadir')).toBe('/var/lib/glance/staging/')
      expect(iniGet(ini, 'os_glance_tasks_store', 'filesystem_store_datadir')).toBe('/var/lib/glance/tasks_work_dir/')
      expect([f.owner, f.group, f.mode]).toEqual(['root', 'glance', 0o640])
    }
  })

  it('points an all-in-one host at plain HTTP Keystone and the TLS cloud at HTTPS', () => {
    // GIVEN the aio (no TLS) and 3-node (TLS, public name) fixtures WHEN glance is rendered
    const get = (fixture: 'aio' | '3-node', host: string, key: string) =>
      iniGet(parseIni(fileAt(renderRole(fixture, glance), host, path).content), 'keystone_authtoken', key)
    // THEN the URIs and the region follow each cloud
    expect(get('aio', 'aio1', 'www_authenticate_uri')).toBe('http://10.0.0.11:5000')
    expect(get('3-node', 'ctl1', 'www_authenticate_uri')).toBe('https://cloud.example.test:5000')
    expect(get('3-node', 'ctl1', 'auth_url')).toBe('https://10.1.0.11:5000')
    expect(get('3-node', 'ctl1', 'region_name')).toBe('RegionTwo')
  })

  it('installs glance-api and runs glance-api.service', () => {
    const model = fixtureModel('aio')
    const ctx = { model, host: model.hosts[0]! }
    expect(glance.packages(ctx)).toEqual(['glance-api'])
    expect(glance.units(ctx)).toEqual(['glance-api.service'])
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, glance))
  })

  describe('deploy hooks', () => {
    it.each(fixtureNames)('%s: syncs the schema once as glance, then waits for the API on each control host', (fixture) => {
      // GIVEN the fixture's model WHEN the steps of each control host are listed
      const model = fixtureModel(fixture)
      for (const host of model.hosts.filter((h) => h.groups.includes('control'))) {
        const steps = glance.bootstrap!({ model, host })
        // THEN db_sync runs once, before glance-api starts, as user glance, guarded by `db check`
        expect(steps.map((s) => [s.id, s.when ?? 'before-start', s.on ?? 'each'])).toEqual([
          ['glance.db-sync', 'before-start', 'first-control-host'],
          ...(model.tls.enabled ? [['glance.tls-proxy', 'after-start', 'each']] : []),
          ['glance.wait', 'after-start', 'each'],
        ])
        expect(steps[0]!.run!.startsWith("su -s /bin/sh -c 'glance-manage db_sync' -- glance && ")).toBe(true)
        // AND first the recorded schema state, then `db check` (installer/render/schema-state.ts)
        expect(steps[0]!.unless).toContain('/var/lib/stackhouse/schema/glance.db-sync')
        expect(steps[0]!.unless).toContain("|| { su -s /bin/sh -c 'glance-manage db check >/dev/null' -- glance && ")
        // AND the engine waits, up to 2 minutes, until the address and port glance-api binds answer
        expect(steps.at(-1)).toMatchObject({
          // (https with TLS on: the script verifies the certificate with the host's trust store)
          unless: `/usr/local/libexec/stackhouse/http-answers ${model.tls.enabled ? 'https' : 'http'}://${host.address}:${model.endpoints.glance.port}/`,
          waitUntil: { timeoutSeconds: 120, intervalSeconds: 1 },
        })
        expect(steps.at(-1)!.run).toBeUndefined()
        // AND no secret is in a command line
        const secrets = Object.values(model.secrets).filter((v): v is string => !!v)
        for (const s of steps) for (const text of [s.run ?? '', s.unless ?? '']) for (const v of secrets) expect(text).not.toContain(v)
      }
    })

    it('pre-seeds debconf, makes the glance database and registers the image service', () => {
      // GIVEN the 3-node model (region RegionTwo, TLS)
      const model = fixtureModel('3-node')
      const ctx = { model, host: model.hosts[0]! }
      // THEN every configure question is answered false
      expect(glance.debconf!(ctx)).toEqual([...debconfSelections])
      expect(glance.debconf!(ctx).every((l) => l.endsWith(' boolean false'))).toBe(true)
      expect(glance.databases!(model)).toEqual([{ database: 'glance', service: 'glance' }])
      // AND Keystone gets user glance (admin and service roles), service image and its three endpoints
      const e = model.endpoints.glance
      expect(glance.register!(model)).toEqual([
        {
          user: { name: 'glance', password: model.secrets.glance_keystone_password, project: 'service', roles: ['admin', 'service'] },
          service: { name: 'glance', type: 'image', description: 'OpenStack Image' },
          endpoints: { region: 'RegionTwo', public: e.public, internal: e.internal, admin: e.admin },
        },
      ])
      expect(e.public).toBe('https://cloud.example.test:9292')
    })
  })
})
