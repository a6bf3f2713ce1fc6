// SPDX-License-Identifier: Apache-2.0
// TLS across the roles: the 3-node fixture has it on (with the operator's files),
// the all-in-one has it off.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { iniGet, parseIni } from '../../installer/render/ini.ts'
import { caBundle, caTrustFile, serverTlsPaths, trustCaStep } from '../../installer/render/tls.ts'
import { render } from '../../installer/render/render.ts'
import { buildPhases } from '../../installer/plan/phases.ts'
import common from '../../roles/common/role.ts'
import horizon from '../../roles/horizon/role.ts'
import { roles } from '../../roles/index.ts'
import { fileAt, fixtureModel, fixturesDir } from '../helpers.ts'

const fixtureFile = (name: string) => readFileSync(join(fixturesDir, 'inventories', 'tls', name), 'utf8')

/** Every service that serves https itself on a control host, and the group that reads its key. */
const servers = [
  ['keystone', 'keystone'],
  ['placement', 'placement'],
  ['nova', 'nova'],
  ['glance', 'root'],
  ['cinder', 'cinder'],
  ['neutron', 'neutron'],
  ['swift', 'swift'],
  ['openstack-dashboard', 'root'],
] as const

describe('TLS on the hosts', () => {
  const three = fixtureModel('3-node')
  const files = render({ ...three, config: {} }, roles)
  const aio = render({ ...fixtureModel('aio'), config: {} }, roles)

  it('gives every API on the control host the certificate and a key only its service reads', () => {
    for (const [project, group] of servers) {
      const p = serverTlsPaths(project)
      expect(fileAt(files, 'ctl1', p.cert).content, project).toBe(fixtureFile('cloud.crt'))
      const key = fileAt(files, 'ctl1', p.key)
      expect(key.content).toBe(fixtureFile('cloud.key'))
      expect([key.owner, key.group, key.mode], project).toEqual(['root', group, 0o640])
    }
    // AND no key leaves the control host
    expect(files.filter((f) => f.host !== 'ctl1' && f.path.includes('/ssl/private/'))).toEqual([])
    // AND without TLS, no host gets one
    expect(aio.filter((f) => f.path.includes('/ssl/'))).toEqual([])
  })

  it("puts the operator's CA in every host's trust store, and runs update-ca-certificates until the bundle holds it", () => {
    for (const host of three.hosts) expect(fileAt(files, host.name, caTrustFile).content).toBe(fixtureFile('ca.crt'))
    const [step] = trustCaStep(three)
    const firstLine = fixtureFile('ca.crt').split('\n')[1]!
    expect(step).toMatchObject({ run: 'update-ca-certificates', unless: `grep -qxF ${firstLine} ${caBundle}` })
    expect(common.bootstrap!({ model: three, host: three.hosts[0]! })).toHaveLength(1)
    // AND the deploy runs it in prepare, on every host, before any service starts
    const prepare = buildPhases({ ...three, config: {} }, roles, files, { admin: () => Promise.reject(new Error('not called')) })[0]!
    expect(prepare.id).toBe('prepare')
    expect(prepare.hosts.map((h) => h.tasks.map((t) => t.id).filter((id) => id === 'common.trust-ca'))).toEqual(
      three.hosts.map(() => ['common.trust-ca']),
    )
    expect(aio.some((f) => f.path === caTrustFile)).toBe(false)
    expect(trustCaStep(fixtureModel('aio'))).toEqual([])
  })

  it('names the CA bundle in every client section that logs in to Keystone, and in none without TLS', () => {
    const ini = (list: typeof files) => list.filter((f) => /\.(conf|ini)$/.test(f.path) && !f.path.startsWith('/etc/apache2'))
    let sections = 0
    for (const f of ini(files)) {
      let parsed: ReturnType<typeof parseIni>
      try {
        parsed = parseIni(f.content)
      } catch {
        continue // not an INI file (rsyncd.conf's modules, a unit…)
      }
      for (const section of parsed.map((s) => s.name)) {
        if (!iniGet(parsed, section, 'auth_url') || !iniGet(parsed, section, 'password')) continue
        sections++
        expect(iniGet(parsed, section, 'cafile'), `${f.host}:${f.path} [${section}]`).toBe(caBundle)
      }
    }
    // keystone_authtoken of six services, nova's cinder/neutron/placement/service_user, neutron's nova, cinder's nova and service_user…
    expect(sections).toBeGreaterThan(12)
    const nova = parseIni(fileAt(files, 'ctl1', '/etc/nova/nova.conf').content)
    expect(iniGet(nova, 'glance', 'cafile')).toBe(caBundle)
    const cinder = parseIni(fileAt(files, 'ctl1', '/etc/cinder/cinder.conf').content)
    expect(iniGet(cinder, 'DEFAULT', 'glance_ca_certificates_file')).toBe(caBundle)
    for (const f of ini(aio)) expect(f.content, `${f.path}`).not.toMatch(/^(cafile|glance_ca_certificates_file|auth_ca_cert) =/m)
  })

  it('serves glance through an Apache TLS proxy, swift and the metadata API over https from their own options', () => {
    // Zed's glance-api has no TLS: it moves to the loopback, and Apache serves the address's port.
    const glance = parseIni(fileAt(files, 'ctl1', '/etc/glance/glance-api.conf').content)
    expect([iniGet(glance, 'DEFAULT', 'bind_host'), iniGet(glance, 'DEFAULT', 'cert_file')]).toEqual(['127.0.0.1', undefined])
    const site = fileAt(files, 'ctl1', '/etc/apache2/sites-available/stackhouse-glance-tls.conf').content
    expect(site).toContain('Listen 10.1.0.11:9292')
    expect(site).toContain('ProxyPass / http://127.0.0.1:9292/ retry=0')
    expect(site).toContain(`SSLCertificateKeyFile ${serverTlsPaths('glance').key}`)
    const aioGlance = parseIni(fileAt(aio, 'aio1', '/etc/glance/glance-api.conf').content)
    expect(iniGet(aioGlance, 'DEFAULT', 'bind_host')).toBe(fixtureModel('aio').hosts[0]!.address)
    const proxy = parseIni(fileAt(files, 'ctl1', '/etc/swift/proxy-server.conf').content)
    expect(iniGet(proxy, 'DEFAULT', 'cert_file')).toBe(serverTlsPaths('swift').cert)
    const metadata = files.find((f) => /metadata_agent\.ini$/.test(f.path))!
    expect(iniGet(parseIni(metadata.content), 'DEFAULT', 'nova_metadata_protocol')).toBe('https')
    expect(iniGet(parseIni(metadata.content), 'DEFAULT', 'auth_ca_cert')).toBe(caBundle)
  })

  it('serves the dashboard on 443 with the certificate, sends plain http there, and trusts the CA', () => {
    const site = fileAt(files, 'ctl1', '/etc/apache2/sites-available/stackhouse-dashboard-tls.conf').content
    expect(site).toContain(`SSLCertificateFile ${serverTlsPaths('openstack-dashboard').cert}`)
    expect(site).toContain(`SSLCertificateKeyFile ${serverTlsPaths('openstack-dashboard').key}`)
    expect(site).toContain('RewriteRule .* https://cloud.example.test%{REQUEST_URI} [R=301,L]')
    const settings = fileAt(files, 'ctl1', '/etc/openstack-dashboard/local_settings.py').content
    expect(settings).toContain(`OPENSTACK_SSL_CACERT = '${caBundle}'`)
    expect(settings).toContain('SESSION_COOKIE_SECURE = True')
    const steps = horizon.bootstrap!({ model: three, host: three.hosts[0]! })
    expect(steps.find((s) => s.id === 'horizon.tls-site')?.run).toContain('a2enmod -q ssl rewrite && a2ensite -q stackhouse-dashboard-tls')
    expect(horizon.bootstrap!({ model: fixtureModel('aio'), host: fixtureModel('aio').hosts[0]! }).map((s) => s.id)).not.toContain(
      'horizon.tls-site',
    )
  })
})
