// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { httpFetch, trustCertificateAuthority } from '../../installer/openstack/http.ts'
import { ensureCa, ensureCertificate } from '../../installer/tls/ca.ts'

describe("Stackhouse's HTTP client", () => {
  it("refuses a server signed by an unknown CA, and accepts it once the deployment's CA is trusted", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-http-'))
    const ca = ensureCa(dir, 'http test')
    const cert = ensureCertificate(dir, 'api', { dns: ['localhost'], ips: ['127.0.0.1'] })
    const server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (_, res) => res.end('{"ok":true}'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/`
    try {
      // GIVEN a server whose certificate the deployment's CA signed
      // THEN a request fails verification while the CA is unknown
      const before = await httpFetch(url).then(
        () => 'answered',
        (e: { cause?: { code?: string } }) => e.cause?.code ?? 'failed',
      )
      expect(before).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/)
      // AND succeeds, verified, once the process trusts the CA (twice is harmless)
      trustCertificateAuthority(readFileSync(ca.cert, 'utf8'))
      trustCertificateAuthority(readFileSync(ca.cert, 'utf8'))
      const res = await httpFetch(url)
      expect(await res.json()).toEqual({ ok: true })
      // AND a certificate of the same CA for another name is still refused
      const other = ensureCertificate(dir, 'other', { dns: ['other.example'], ips: [] })
      const elsewhere = createServer({ cert: readFileSync(other.cert), key: readFileSync(other.key) }, (_, r) => r.end('{}'))
      await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r))
      const wrong = await httpFetch(`https://127.0.0.1:${(elsewhere.address() as { port: number }).port}/`).then(
        () => 'answered',
        (e: { cause?: { code?: string } }) => e.cause?.code ?? 'failed',
      )
      elsewhere.close()
      expect(wrong).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
    } finally {
      server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
