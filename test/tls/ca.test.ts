// SPDX-License-Identifier: Apache-2.0
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { certificateFiles, ensureCa, ensureCertificate, renewWithinDays, serverDays } from '../../installer/tls/ca.ts'
import { certificateInfo } from '../../installer/tls/certificate.ts'

let dir: string
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'stackhouse-tls-')), 'tls')
})
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }))

const names = { dns: ['aio1', 'cloud.example.org'], ips: ['10.77.0.11', '127.0.0.1', 'fd00::1'] }

/** A TLS handshake on loopback with `servername`, trusting only the CA file; the error message, or 'ok'. */
async function handshake(cert: { cert: string; key: string }, caFile: string, servername: string): Promise<string> {
  const server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (s) => s.end('hi'))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  try {
    return await new Promise<string>((resolve) => {
      const c = connect({
        host: '127.0.0.1',
        port,
        ca: readFileSync(caFile),
        servername: /^[\d.:a-f]+$/.test(servername) ? '' : servername,
      })
      // Node checks the host name against `servername`, or against `host` when there is none: ask for the address itself.
      c.on('secureConnect', () => {
        c.end()
        resolve('ok')
      })
      c.on('error', (e) => resolve(e.message))
    })
  } finally {
    server.close()
  }
}

describe('the deployment CA', () => {
  it('makes a CA once: key 0600 in a 0700 folder, a CA certificate, kept as it is on the next run', async () => {
    const first = ensureCa(dir, 'demo cloud')
    expect(first).toMatchObject({ created: true, reason: 'there was no CA' })
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(first.key).mode & 0o777).toBe(0o600)
    const info = certificateInfo(first.cert)
    expect(info).toMatchObject({ isCa: true, subject: 'CN=Stackhouse CA demo cloud' })
    expect(info.daysLeft).toBeGreaterThan(3600)
    const bytes = readFileSync(first.key, 'utf8')
    expect(ensureCa(dir, 'demo cloud')).toMatchObject({ created: false })
    expect(readFileSync(first.key, 'utf8')).toBe(bytes)
  })

  it('signs a server certificate that a TLS client trusting only the CA accepts, by DNS name and by address', async () => {
    const ca = ensureCa(dir, 'demo')
    const api = ensureCertificate(dir, 'api', names)
    expect(api).toMatchObject({ created: true, reason: 'there was none' })
    expect(statSync(api.key).mode & 0o777).toBe(0o600)
    expect(execFileSync('openssl', ['verify', '-CAfile', ca.cert, api.cert], { encoding: 'utf8' })).toMatch(/: OK/)
    const info = certificateInfo(api.cert)
    expect(info.isCa).toBe(false)
    expect(info.names).toEqual({ dns: ['aio1', 'cloud.example.org'], ips: ['10.77.0.11', '127.0.0.1', 'FD00:0:0:0:0:0:0:1'] })
    expect(info.daysLeft).toBe(serverDays - 1)
    expect(await handshake(api, ca.cert, 'cloud.example.org')).toBe('ok')
    expect(await handshake(api, ca.cert, '127.0.0.1')).toBe('ok')
    // A name it does not carry is refused, and so is a client that trusts another CA.
    expect(await handshake(api, ca.cert, 'other.example.org')).toMatch(/does not match|not in the cert/i)
    const elsewhere = join(dir, '..', 'other')
    const other = ensureCa(elsewhere, 'other')
    expect(await handshake(api, other.cert, 'aio1')).toMatch(/self.signed|unable to verify|local issuer/i)
  })

  it('keeps a good certificate, and makes it again when its names, its CA, its key or its time left say so', async () => {
    ensureCa(dir, 'demo')
    const api = ensureCertificate(dir, 'api', names)
    const serial = () => new X509Certificate(readFileSync(api.cert)).serialNumber
    const before = serial()
    // Same names in another order and spelling: kept.
    expect(
      ensureCertificate(dir, 'api', { dns: ['CLOUD.example.org', 'aio1', 'aio1'], ips: ['fd00:0::1', '127.0.0.1', '10.77.0.11'] }),
    ).toMatchObject({
      created: false,
    })
    expect(serial()).toBe(before)
    // Another address.
    const moved = ensureCertificate(dir, 'api', { ...names, ips: ['10.77.0.12'] })
    expect(moved.reason).toBe(
      'it named aio1, cloud.example.org, 10.77.0.11, 127.0.0.1, FD00:0:0:0:0:0:0:1, not aio1, cloud.example.org, 10.77.0.12',
    )
    // Close to expiry (asked as if it were later).
    const notAfter = certificateInfo(api.cert).notAfter
    const later = new Date(notAfter.getTime() - (renewWithinDays - 1) * 86_400_000)
    expect(ensureCertificate(dir, 'api', { ...names, ips: ['10.77.0.12'] }, later).reason).toMatch(/^it had 2\d days left$/)
    // A key that is not its key.
    writeFileSync(api.key, readFileSync(certificateFiles(dir, 'ca').key))
    expect(ensureCertificate(dir, 'api', { ...names, ips: ['10.77.0.12'] }).reason).toMatch(/is not the key of/)
    // A new CA (the old one moved away): signed by another.
    renameSync(join(dir, 'ca.crt'), join(dir, '..', 'old-ca.crt'))
    renameSync(join(dir, 'ca.key'), join(dir, '..', 'old-ca.key'))
    ensureCa(dir, 'demo')
    expect(ensureCertificate(dir, 'api', { ...names, ips: ['10.77.0.12'] }).reason).toBe('it was signed by another CA')
    expect(ensureCertificate(dir, 'api', { ...names, ips: ['10.77.0.12'] })).toMatchObject({ created: false })
    // Renewal asked for (certs renew): a new key and serial for the same names, however good the old one.
    const key = readFileSync(api.key, 'utf8')
    const good = serial()
    expect(ensureCertificate(dir, 'api', { ...names, ips: ['10.77.0.12'] }, new Date(), { renew: true })).toMatchObject({
      created: true,
      reason: 'renewal was asked for',
    })
    expect(serial()).not.toBe(good)
    expect(readFileSync(api.key, 'utf8')).not.toBe(key)
    expect(certificateInfo(api.cert).names).toEqual({ dns: ['aio1', 'cloud.example.org'], ips: ['10.77.0.12'] })
  })

  it('refuses names a configuration file could read as more, and a CA with half its files, naming the file and the fix', async () => {
    ensureCa(dir, 'demo')
    const thrown = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return e as { kind?: string; message: string; fix?: string }
      }
      throw new Error('it did not throw')
    }
    expect(thrown(() => ensureCertificate(dir, 'api', { dns: ['a\nDNS.9 = evil.example'], ips: [] }))).toMatchObject({
      kind: 'usage',
      message: expect.stringMatching(/is not a DNS name/),
    })
    expect(thrown(() => ensureCertificate(dir, 'api', { dns: [], ips: ['10.0.0.1\nIP.2 = 1.2.3.4'] })).message).toMatch(
      /is not an IP address/,
    )
    expect(thrown(() => ensureCertificate(dir, 'api', { dns: ['-bad.example'], ips: [] })).message).toMatch(/is not a DNS name/)
    rmSync(join(dir, 'ca.key'))
    expect(thrown(() => ensureCa(dir, 'demo'))).toMatchObject({
      kind: 'input',
      message: `${join(dir, 'ca.crt')} is there without ${join(dir, 'ca.key')}`,
      fix: expect.stringMatching(/backup/),
    })
  })
})
