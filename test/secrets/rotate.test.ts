// SPDX-License-Identifier: Apache-2.0
// secrets rotate: only what a deploy can carry to the cloud, a backup first, and the plan.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../installer/errors.ts'
import { projectPaths, type Project } from '../../installer/project.ts'
import { rotateSecrets, rotation } from '../../installer/secrets/rotate.ts'
import { readSecrets, writeSecrets } from '../../installer/secrets/store.ts'
import { roles } from '../../roles/index.ts'
import { fixtureModel } from '../helpers.ts'
import { testCatalog } from '../helpers.ts'

function project(): Project {
  const model = fixtureModel('aio')
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-rotate-'))
  const paths = projectPaths({ inventory: join(dir, 'inventory.yml') })
  writeSecrets(paths.secrets, { ...(model.secrets as unknown as Record<string, string>), kept_unknown: 'x' })
  return { model, paths, overrides: [], secrets: { secrets: model.secrets, generated: [], tightened: false }, roles }
}

describe('secrets rotate', () => {
  it('says for every secret how a deploy applies a new value, or why none is safe', () => {
    for (const n of testCatalog.names) {
      const r = rotation(n)
      expect('applies' in r ? r.applies : r.refused, n).toMatch(/\w{3}/)
    }
    expect(rotation('swift_hash_path_suffix')).toMatchObject({ refused: expect.stringContaining('must never change') })
    expect(rotation('ceph_fsid')).toMatchObject({ refused: expect.stringContaining('new, empty cluster') })
    expect(rotation('glance_keystone_password')).toEqual({ applies: 'Keystone user glance gets the new password' })
  })

  it('refuses unknown and unsafe names together, changing nothing', () => {
    const p = project()
    const before = readFileSync(p.paths.secrets, 'utf8')
    const e = (() => {
      try {
        rotateSecrets(p, roles, ['nova_database_password', 'swift_hash_path_prefix', 'nope'])
      } catch (x) {
        return x as UsageError
      }
    })()
    expect(e).toBeInstanceOf(UsageError)
    expect(e!.message).toContain('swift_hash_path_prefix: every stored object')
    expect(e!.message).toContain('"nope" is no secret')
    expect(readFileSync(p.paths.secrets, 'utf8')).toBe(before)
  })

  it('plans a dry run without writing: the files that change on each host and what restarts', () => {
    const p = project()
    const before = readFileSync(p.paths.secrets, 'utf8')
    const plan = rotateSecrets(p, roles, ['metadata_proxy_secret'], { dryRun: true })
    expect(readFileSync(p.paths.secrets, 'utf8')).toBe(before)
    expect(plan.backup).toBeUndefined()
    expect(plan.files.map((f) => f.path).sort()).toEqual(['/etc/neutron/metadata_agent.ini', '/etc/nova/nova.conf'])
    expect(plan.restarts[0]!.units).toEqual(expect.arrayContaining(['nova-api-metadata.service', 'neutron-metadata-agent.service']))
  })

  it('writes new values for the named secrets only, after keeping the old file (mode 0600)', () => {
    const p = project()
    const old = readSecrets(p.paths.secrets)
    const plan = rotateSecrets(p, roles, ['rabbitmq_password', 'admin_password'], { now: new Date('2026-12-02T05:00:00Z') })
    const now = readSecrets(p.paths.secrets)
    expect(now.rabbitmq_password).not.toBe(old.rabbitmq_password)
    expect(now.rabbitmq_password).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(now.admin_password).not.toBe(old.admin_password)
    expect(
      Object.keys(now)
        .filter((k) => now[k] !== old[k])
        .sort(),
    ).toEqual(['admin_password', 'rabbitmq_password'])
    expect(now.kept_unknown).toBe('x')
    expect(plan.backup).toBe(`${p.paths.secrets}.before-rotate-2026-12-02T05-00-00-000Z`)
    expect(readSecrets(plan.backup!)).toEqual(old)
    expect(statSync(plan.backup!).mode & 0o777).toBe(0o600)
    expect(statSync(p.paths.secrets).mode & 0o777).toBe(0o600)
    // AND every file naming RabbitMQ's URL changes (the admin password is in none): each service using RabbitMQ restarts
    expect(plan.files.map((f) => f.path).sort()).toEqual(['/etc/cinder/cinder.conf', '/etc/neutron/neutron.conf', '/etc/nova/nova.conf'])
    expect(plan.restarts[0]!.units).toEqual(
      expect.arrayContaining(['nova-conductor.service', 'neutron-server.service', 'cinder-volume.service']),
    )
    expect(readdirSync(join(p.paths.secrets, '..')).filter((f) => f.includes('.tmp-'))).toEqual([])
    expect(existsSync(p.paths.secrets)).toBe(true)
  })
})
