// SPDX-License-Identifier: Apache-2.0
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadProject } from '../../installer/project.ts'
import { validateProject } from '../../installer/validate.ts'
import { ensureSecrets } from '../../installer/secrets/store.ts'
import { secretCatalog } from '../../installer/secrets/names.ts'
import { certificateInfo } from '../../installer/tls/certificate.ts'
import { apiNames, tlsDir } from '../../installer/tls/material.ts'
import { roles } from '../../roles/index.ts'
import { fixturesDir } from '../helpers.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stackhouse-tls-project-'))
  copyFileSync(join(fixturesDir, 'inventories', 'id_ed25519'), join(dir, 'id_ed25519'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** An all-in-one inventory with TLS on, and extra lines under tls:. */
function inventory(tls = ''): string {
  const file = join(dir, 'inventory.yml')
  writeFileSync(
    file,
    [
      'name: tlstest',
      'hosts:',
      '  - name: ctl1',
      '    address: 10.9.0.11',
      '    ssh: { key: id_ed25519 }',
      'groups: { control: [ctl1], network: [ctl1], compute: [ctl1], storage: [ctl1] }',
      'endpoints: { public_address: cloud.example.test }',
      'tls:',
      '  enabled: true',
      tls,
    ].join('\n'),
  )
  ensureSecrets(join(dir, 'secrets.yaml'), secretCatalog(roles))
  return file
}

describe("the deployment's TLS material", () => {
  it('is made by a deploy (or secrets generate), for every name a client uses, read by render, and kept on the next load', () => {
    const file = inventory()
    // Render before anything made it: a clear error with the command that makes it.
    expect(() => loadProject({ inventory: file })).toThrow(/holds no certificate yet/)
    const made = loadProject({ inventory: file, makeCertificates: true })
    expect(made.certificates?.map((c) => [c.name, c.reason])).toEqual([
      ['ca', 'there was no CA'],
      ['api', 'there was none'],
    ])
    expect(apiNames(made.model)).toEqual({ dns: ['cloud.example.test', 'ctl1'], ips: ['10.9.0.11'] })
    expect(certificateInfo(join(tlsDir(made.paths.stateDir), 'api.crt')).names).toEqual(apiNames(made.model))
    expect(made.model.tls.pem?.ca).toBe(readFileSync(join(tlsDir(made.paths.stateDir), 'ca.crt'), 'utf8'))
    expect(made.model.endpoints.keystone.public).toBe('https://cloud.example.test:5000/v3')
    expect(loadProject({ inventory: file, makeCertificates: true }).certificates).toEqual([])
    expect(loadProject({ inventory: file }).model.tls.pem?.cert).toBe(made.model.tls.pem?.cert)
  })

  it("checks the operator's files: PEM only, a key that is the certificate's, a CA; validate names the line", () => {
    const pem = (name: string) => readFileSync(join(fixturesDir, 'inventories', 'tls', name), 'utf8')
    writeFileSync(join(dir, 'cloud.crt'), pem('cloud.crt'))
    writeFileSync(join(dir, 'cloud.key'), pem('cloud.key'))
    writeFileSync(join(dir, 'ca.crt'), pem('ca.crt'))
    writeFileSync(join(dir, 'junk.crt'), `${pem('cloud.crt')}[DEFAULT]\nhello = there\n`)
    const good = inventory('  certificate: cloud.crt\n  key: cloud.key\n  ca: ca.crt')
    expect(validateProject({ inventory: good }, roles).problems).toEqual([])
    expect(loadProject({ inventory: good }).model.tls.pem).toEqual({ cert: pem('cloud.crt'), key: pem('cloud.key'), ca: pem('ca.crt') })
    const cases: [string, RegExp, number][] = [
      ['  certificate: junk.crt\n  key: cloud.key', /junk\.crt \(tls\.certificate\) is not a PEM file/, 10],
      ['  certificate: cloud.crt\n  key: ca.crt', /ca\.crt \(tls\.key\) is not the key of/, 11],
      ['  certificate: cloud.crt\n  key: cloud.key\n  ca: cloud.crt', /cloud\.crt \(tls\.ca\) is not a CA certificate/, 12],
    ]
    for (const [lines, message, line] of cases) {
      const file = inventory(lines)
      const problems = validateProject({ inventory: file }, roles).problems
      expect(
        problems.map((p) => [p.line, p.severity]),
        lines,
      ).toEqual([[line, 'error']])
      expect(problems[0]!.message).toMatch(message)
      expect(problems[0]!.fix).toBeTruthy()
      expect(() => loadProject({ inventory: file })).toThrow(message)
    }
  })
})
