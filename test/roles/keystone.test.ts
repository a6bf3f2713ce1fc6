// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import { iniGet, parseIni } from '../../installer/render/ini.ts'
import { databaseUrl } from '../../installer/render/openstack.ts'
import { apiWorkers } from '../../installer/role/index.ts'
import keystone from '../../roles/keystone/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, renderRole } from '../helpers.ts'

const confPath = '/etc/keystone/keystone.conf'
const uwsgiPath = '/etc/keystone/keystone-uwsgi.ini'

describe('keystone role', () => {
  it.each(fixtureNames)('%s: keystone.conf uses the database, memcached and fernet key repositories', (fixture) => {
    // GIVEN the fixture's model WHEN keystone is rendered
    const model = fixtureModel(fixture)
    const files = renderRole(fixture, keystone)
    // THEN each control host, and only those, gets keystone.conf with the shared values
    const control = model.groups.control!
    expect([...new Set(files.map((f) => f.host))]).toEqual(control)
    for (const host of control) {
      const conf = fileAt(files, host, confPath)
      const ini = parseIni(conf.content)
      expect(iniGet(ini, 'database', 'connection')).toBe(databaseUrl(model, 'keystone'))
      expect(iniGet(ini, 'token', 'provider')).toBe('fernet')
      expect(iniGet(ini, 'cache', 'enabled')).toBe('true')
      expect(iniGet(ini, 'cache', 'backend')).toBe('oslo_cache.memcache_pool')
      expect(iniGet(ini, 'cache', 'memcache_servers')).toBe(model.memcachedServers.join(','))
      expect(iniGet(ini, 'fernet_tokens', 'key_repository')).toBe('/etc/keystone/fernet-keys')
      expect(iniGet(ini, 'credential', 'provider')).toBe('fernet')
      expect(iniGet(ini, 'credential', 'key_repository')).toBe('/etc/keystone/credential-keys')
      // AND the file holds a password, so only root and the keystone group read it
      expect([conf.owner, conf.group, conf.mode]).toEqual(['root', 'keystone', 0o640])
    }
  })

  it.each(fixtureNames)('%s: writes the fernet and credential keys from the secrets, 0 staged and 1 primary', (fixture) => {
    // GIVEN the fixture's model WHEN keystone is rendered
    const model = fixtureModel(fixture)
    const files = renderRole(fixture, keystone)
    const host = model.groups.control![0]!
    const s = model.secrets
    // THEN the four key files hold the secrets verbatim, readable by keystone only
    const expected: Record<string, string> = {
      '/etc/keystone/fernet-keys/0': s.keystone_fernet_key_0,
      '/etc/keystone/fernet-keys/1': s.keystone_fernet_key_1,
      '/etc/keystone/credential-keys/0': s.keystone_credential_key_0,
      '/etc/keystone/credential-keys/1': s.keystone_credential_key_1,
    }
    for (const [path, secret] of Object.entries(expected)) {
      const f = fileAt(files, host, path)
      expect(f.content).toBe(secret)
      expect([f.owner, f.group, f.mode, f.format]).toEqual(['keystone', 'keystone', 0o600, 'text'])
    }
  })

  it.each(fixtureNames)('%s: uwsgi runs apiWorkers processes of keystone-wsgi-public', (fixture) => {
    // GIVEN the fixture's model WHEN keystone is rendered
    const model = fixtureModel(fixture)
    const files = renderRole(fixture, keystone)
    // THEN the uwsgi ini keeps Debian's application and sets our worker count
    const f = fileAt(files, model.groups.control![0]!, uwsgiPath)
    const ini = parseIni(f.content)
    expect(iniGet(ini, 'uwsgi', 'processes')).toBe(String(apiWorkers(model)))
    expect(iniGet(ini, 'uwsgi', 'wsgi-file')).toBe('/usr/bin/keystone-wsgi-public')
    expect([f.owner, f.group, f.mode]).toEqual(['root', 'root', 0o644])
  })

  it('gives an all-in-one host one keystone process and a control host four', () => {
    const processes = (fixture: 'aio' | '3-node', host: string) =>
      iniGet(parseIni(fileAt(renderRole(fixture, keystone), host, uwsgiPath).content), 'uwsgi', 'processes')
    expect(processes('aio', 'aio1')).toBe('1')
    expect(processes('3-node', 'ctl1')).toBe('4')
  })

  it('installs keystone and runs keystone.service', () => {
    const model = fixtureModel('aio')
    const ctx = { model, host: model.hosts[0]! }
    expect(keystone.packages(ctx)).toEqual(['keystone', 'python3-openstackclient'])
    expect(keystone.units(ctx)).toEqual(['keystone.service'])
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, keystone))
  })
})
