// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateSecret } from '../../installer/secrets/generate.ts'
import { ensureSecrets, SecretsError, setSecret } from '../../installer/secrets/store.ts'
import { testCatalog } from '../helpers.ts'

const scratch = () => join(mkdtempSync(join(tmpdir(), 'stackhouse-secrets-')), 'secrets.yaml')

describe('secrets.yaml', () => {
  it('is created with mode 0600 and every generated secret', () => {
    const file = scratch()
    const { secrets, generated } = ensureSecrets(file, testCatalog)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const generatedNames = testCatalog.names.filter((n) => testCatalog.kindOf(n) !== 'operator')
    expect(generated).toEqual(generatedNames)
    for (const n of generatedNames) expect(secrets[n as keyof typeof secrets]).toBeTruthy()
    expect(secrets.vsphere_password).toBeUndefined()
  })

  it('keeps every value stable across runs', () => {
    const file = scratch()
    const first = ensureSecrets(file, testCatalog)
    const before = readFileSync(file, 'utf8')
    const second = ensureSecrets(file, testCatalog)
    expect(second.generated).toEqual([])
    expect(second.secrets).toEqual(first.secrets)
    expect(readFileSync(file, 'utf8')).toBe(before)
  })

  it('generates only what is missing and keeps what the operator set', () => {
    const file = scratch()
    writeFileSync(file, 'admin_password: chosen-by-operator\nfuture_secret: kept\n', { mode: 0o600 })
    const { secrets, generated } = ensureSecrets(file, testCatalog)
    expect(secrets.admin_password).toBe('chosen-by-operator')
    expect(generated).not.toContain('admin_password')
    expect(readFileSync(file, 'utf8')).toContain('future_secret: kept')
  })

  it('tightens a file readable by others to 0600', () => {
    const file = scratch()
    ensureSecrets(file, testCatalog)
    chmodSync(file, 0o644)
    expect(ensureSecrets(file, testCatalog).tightened).toBe(true)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('refuses a broken file instead of regenerating every password', () => {
    const file = scratch()
    writeFileSync(file, 'admin_password: [unclosed\n', { mode: 0o600 })
    expect(() => ensureSecrets(file, testCatalog)).toThrow(SecretsError)
    expect(readFileSync(file, 'utf8')).toBe('admin_password: [unclosed\n')
  })

  it('sets an operator secret and rejects unknown names', () => {
    const file = scratch()
    ensureSecrets(file, testCatalog)
    setSecret(file, 'vsphere_password', 'from-stdin', testCatalog)
    expect(ensureSecrets(file, testCatalog).secrets.vsphere_password).toBe('from-stdin')
    expect(() => setSecret(file, 'vsphere_pasword', 'x', testCatalog)).toThrow(/no secret is named "vsphere_pasword"/)
  })
})

describe('generated values', () => {
  it('have the format each consumer needs', () => {
    expect(generateSecret('password')).toMatch(/^[A-Za-z0-9]{32}$/)
    // Fernet: url-safe base64 of exactly 32 bytes
    const fernet = generateSecret('fernet')
    expect(Buffer.from(fernet, 'base64url')).toHaveLength(32)
    expect(fernet).toMatch(/^[A-Za-z0-9_-]{43}=$/)
    expect(generateSecret('uuid')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    // CephX: 12-byte header (type 1, length 16) + 16-byte secret
    const ceph = Buffer.from(generateSecret('ceph-key'), 'base64')
    expect(ceph).toHaveLength(28)
    expect(ceph.readUInt16LE(0)).toBe(1)
    expect(ceph.readUInt16LE(10)).toBe(16)
  })

  it('differ every time', () => {
    const values = new Set(Array.from({ length: 200 }, () => generateSecret('password')))
    expect(values.size).toBe(200)
  })
})
