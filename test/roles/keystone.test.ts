// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
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

  it("bounds every rule that names the manager role to the manager's domain, and lets it grant only member and reader", () => {
    // GIVEN keystone's rendered policy.yaml
    const policy = fileAt(renderRole('aio', keystone), 'aio1', '/etc/keystone/policy.yaml')
    expect([policy.group, policy.mode]).toEqual(['keystone', 0o640])
    const rules = parse(policy.content) as Record<string, string>
    // Each alternative that names role:manager, split at the top level of the rule.
    const alternatives = (rule: string): string[] => {
      const out: string[] = []
      let depth = 0
      let start = 0
      for (let i = 0; i < rule.length; i++) {
        if (rule[i] === '(') depth++
        else if (rule[i] === ')') depth--
        else if (depth === 0 && rule.startsWith(' or ', i)) {
          out.push(rule.slice(start, i))
          start = i + 4
        }
      }
      return [...out, rule.slice(start)].map((a) => a.trim())
    }
    const expand = (rule: string): string => rule.replace(/rule:(manager_\w+)/g, (_, name: string) => `(${expand(rules[name]!)})`)
    // Names only: which domains and roles exist, and the roles it may hand out.
    const unbounded = ['identity:list_domains', 'identity:list_roles']
    const managerParts = Object.entries(rules)
      .filter(([name]) => name.startsWith('identity:'))
      .flatMap(([name, rule]) => alternatives(rule).map((part) => [name, expand(part)] as const))
      .filter(([, part]) => part.includes('role:manager'))
    // THEN the policy gives the manager some twenty actions, each bound to the token's domain
    expect(managerParts.length).toBeGreaterThan(20)
    for (const [name, part] of managerParts) {
      if (unbounded.includes(name)) expect(part).toBe('role:manager')
      else if (name === 'identity:get_role') expect(part).toContain("'member':%(target.role.name)s")
      else expect(part, name).toMatch(/(domain_id|token\.domain\.id):%\(target\.(domain_id|(user|group|project)\.domain_id|domain\.id)\)s/)
    }
    // AND a grant it makes names member or reader, a global role, and never admin or manager
    for (const action of ['identity:create_grant', 'identity:revoke_grant']) {
      const part = managerParts.find(([name]) => name === action)![1]
      expect(part).toContain("'member':%(target.role.name)s or 'reader':%(target.role.name)s")
      expect(part).toContain('None:%(target.role.domain_id)s')
      expect(part).not.toMatch(/'(admin|manager)'/)
    }
    // AND the role the rules name is registered with Keystone
    expect(keystone.register!(fixtureModel('aio'))[0]!.roles).toContain('manager')
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, keystone))
  })
})
