// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { writeCredentials } from '../installer/credentials.ts'
import { fixtureModel } from './helpers.ts'

describe('credentials', () => {
  it("name the deployment's CA in the openrc files and clouds.yaml when TLS is on, and nothing of it when off", () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-creds-'))
    try {
      const three = fixtureModel('3-node')
      const tls = writeCredentials(three, join(dir, 'tls'))
      expect(readFileSync(tls.caCert!, 'utf8')).toBe(three.tls.pem!.ca)
      expect(readFileSync(tls.adminOpenrc, 'utf8')).toContain(`export OS_CACERT=${tls.caCert}\n`)
      expect(readFileSync(tls.adminOpenrc, 'utf8')).toContain('export OS_AUTH_URL=https://cloud.example.test:5000/v3\n')
      const clouds = parse(readFileSync(tls.cloudsYaml, 'utf8')) as { clouds: Record<string, { cacert?: string }> }
      expect(Object.values(clouds.clouds).map((c) => c.cacert)).toEqual([tls.caCert, tls.caCert])
      const plain = writeCredentials(fixtureModel('aio'), join(dir, 'plain'))
      expect(plain.caCert).toBeUndefined()
      expect(readFileSync(plain.adminOpenrc, 'utf8')).not.toContain('OS_CACERT')
      expect(readFileSync(plain.cloudsYaml, 'utf8')).not.toContain('cacert')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
