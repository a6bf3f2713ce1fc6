// SPDX-License-Identifier: Apache-2.0
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { iniGet, parseIni } from '../../installer/render/ini.ts'
import { roles } from '../../roles/index.ts'
import { readOverrides } from '../../installer/render/overrides.ts'
import { OverrideError, render, type OverrideFile } from '../../installer/render/render.ts'
import { defineRole, hostsIn } from '../../installer/role/index.ts'
import memcached from '../../roles/memcached/role.ts'
import { fileAt, fixtureModel } from '../helpers.ts'

// A role with one INI file on every host, to test the override machinery alone.
const demo = defineRole({
  name: 'demo',
  description: 'test role',
  enabled: () => true,
  hosts: (m) => hostsIn(m, 'all'),
  packages: () => [],
  files: ({ host }) => [
    { path: '/etc/demo/demo.conf', content: `[DEFAULT]\nmy_ip = ${host.address}\ndebug = false\n`, mode: 0o640, group: 'demo' },
  ],
  units: () => ['demo.service'],
})

const model = () => ({ ...fixtureModel('3-node'), config: {} })
const ov = (text: string, host?: string): OverrideFile => ({
  service: 'demo',
  file: 'demo.conf',
  text,
  source: host ? `overrides/demo/${host}/demo.conf` : 'overrides/demo/demo.conf',
  ...(host ? { host } : {}),
})

describe('render', () => {
  it('is deterministic and sorted by host and path', () => {
    const a = render(model(), [memcached, demo])
    expect(render(model(), [memcached, demo])).toEqual(a)
    expect(a.map((f) => `${f.host}:${f.path}`)).toEqual([
      'cmp1:/etc/demo/demo.conf',
      'cmp2:/etc/demo/demo.conf',
      'ctl1:/etc/demo/demo.conf',
      'ctl1:/etc/memcached.conf',
    ])
    expect(fileAt(a, 'cmp1', '/etc/demo/demo.conf')).toMatchObject({
      owner: 'root',
      group: 'demo',
      mode: 0o640,
      format: 'ini',
      notify: ['demo.service'],
    })
  })

  it('merges overrides key by key; a host layer beats the service layer', () => {
    const files = render(model(), [demo], [ov('[DEFAULT]\ndebug = true\n', 'cmp2'), ov('[DEFAULT]\ndebug = maybe\nnew_key = 1\n')])
    const cmp1 = parseIni(fileAt(files, 'cmp1', '/etc/demo/demo.conf').content)
    const cmp2 = fileAt(files, 'cmp2', '/etc/demo/demo.conf')
    expect(iniGet(cmp1, 'DEFAULT', 'debug')).toBe('maybe')
    expect(iniGet(cmp1, 'DEFAULT', 'my_ip')).toBe('10.1.0.21')
    expect(iniGet(parseIni(cmp2.content), 'DEFAULT', 'debug')).toBe('true')
    expect(iniGet(parseIni(cmp2.content), 'DEFAULT', 'new_key')).toBe('1')
    expect(cmp2.setBy).toEqual({ 'DEFAULT.debug': 'overrides/demo/cmp2/demo.conf', 'DEFAULT.new_key': 'overrides/demo/demo.conf' })
  })

  it('applies the inventory config: section before override files', () => {
    const m = { ...model(), config: { demo: { 'demo.conf': { DEFAULT: { debug: 'from-inventory', other: 'x' } } } } }
    const files = render(m, [demo], [ov('[DEFAULT]\ndebug = from-file\n')])
    const ini = parseIni(fileAt(files, 'ctl1', '/etc/demo/demo.conf').content)
    expect(iniGet(ini, 'DEFAULT', 'debug')).toBe('from-file')
    expect(iniGet(ini, 'DEFAULT', 'other')).toBe('x')
  })

  it('replaces a non-INI file whole', () => {
    const files = render(
      model(),
      [memcached],
      [{ service: 'memcached', file: 'memcached.conf', text: '-m 1024\n', source: 'overrides/memcached/memcached.conf' }],
    )
    expect(fileAt(files, 'ctl1', '/etc/memcached.conf').content).toBe('-m 1024\n')
  })

  it('rejects an override that matches no rendered file, listing the valid paths', () => {
    const bad: OverrideFile = { service: 'demo', file: 'demo.cnf', text: '[x]\na=1\n', source: 'overrides/demo/demo.cnf' }
    expect(() => render(model(), [demo, memcached], [bad])).toThrow(OverrideError)
    expect(() => render(model(), [demo, memcached], [bad])).toThrow('overrides/demo/demo.cnf: matches no rendered file')
    expect(() => render(model(), [demo, memcached], [bad])).toThrow(
      expect.objectContaining({
        fix: expect.stringMatching(/^did you mean overrides\/demo\/demo\.conf\? "stackhouse render -o DIR" writes every file/),
      }),
    )
    expect(() => render(model(), [demo], [ov('[x]\na=1\n', 'cmp9')])).toThrow(/no host is named "cmp9"/)
  })
})

describe('overrides that cannot apply', () => {
  it('refuses an override whose file name names two files of the service (keystone/0)', () => {
    // GIVEN keystone's two key repositories, both with a file named 0
    const m = { ...fixtureModel('aio'), config: {} }
    const o: OverrideFile = { service: 'keystone', file: '0', text: 'new-key\n', source: 'overrides/keystone/0' }
    // WHEN rendered THEN the override is refused, naming both files, and neither key was replaced
    expect(() => render(m, roles, [o])).toThrow(
      'overrides/keystone/0: names more than one file of keystone: /etc/keystone/credential-keys/0, /etc/keystone/fernet-keys/0',
    )
  })
})

describe('readOverrides', () => {
  it('reads service and host layers from an overrides/ folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-ov-'))
    mkdirSync(join(dir, 'nova', 'cmp1'), { recursive: true })
    writeFileSync(join(dir, 'nova', 'nova.conf'), '[DEFAULT]\ndebug = true\n')
    writeFileSync(join(dir, 'nova', 'cmp1', 'nova.conf'), '[libvirt]\nvirt_type = qemu\n')
    const found = readOverrides(dir, dir)
    expect(found.map(({ service, host, file, source }) => ({ service, host, file, source }))).toEqual([
      { service: 'nova', host: 'cmp1', file: 'nova.conf', source: 'nova/cmp1/nova.conf' },
      { service: 'nova', host: undefined, file: 'nova.conf', source: 'nova/nova.conf' },
    ])
  })

  it('names the file and line of a broken INI override', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-ov-'))
    mkdirSync(join(dir, 'glance'))
    writeFileSync(join(dir, 'glance', 'glance-api.conf'), '[DEFAULT]\nworkers 4\n')
    expect(() => readOverrides(dir, dir)).toThrow('glance/glance-api.conf:2: expected "key = value"')
  })
})
