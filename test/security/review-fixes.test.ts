// SPDX-License-Identifier: Apache-2.0
// Hostile inputs a review found after the first pass: each reproduced, then fixed.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeError } from '../../installer/cli/main.ts'
import { purgeScript } from '../../installer/destroy.ts'
import { checkInventory } from '../../installer/inventory/load.ts'
import { formatProblem } from '../../installer/inventory/problems.ts'
import { render, RenderValueError } from '../../installer/render/render.ts'
import { readSecrets, SecretsError } from '../../installer/secrets/store.ts'
import { TaskError } from '../../installer/tasks/types.ts'
import { roles } from '../../roles/index.ts'
import { fixtureModel } from '../helpers.ts'
import { RecordingShell } from './recording-shell.ts'

const aio = `hosts:
  - { name: aio1, address: 10.0.0.11 }
groups: { control: [aio1], network: [aio1], compute: [aio1], storage: [aio1] }
networks:
  management: { cidr: 10.0.0.0/24, gateway: 10.0.0.1 }
  provider: { cidr: 203.0.113.0/24, gateway: 203.0.113.1, interface: eth1, allocation: { start: 203.0.113.10, end: 203.0.113.250 } }
`
const errors = (text: string, dir?: string) =>
  checkInventory('inv.yml', text, dir ? { dir } : {})
    .problems.filter((p) => p.severity === 'error')
    .map(formatProblem)

describe('after review', () => {
  it('destroy stops when the purge fails: a tolerated failure cannot hide an earlier one', async () => {
    // GIVEN a host where apt-get fails (another apt holds the lock)
    const shell = new RecordingShell('srv1', ['apt-get'])
    // WHEN the purge script runs
    const r = await shell.exec(purgeScript({ units: ['nova-api.service'], packages: ['nova-api'], paths: ['/etc/nova'], undo: [] }))
    // THEN it fails, and nothing was deleted after the failed purge
    expect(r.code).not.toBe(0)
    expect(shell.commands().filter((argv) => argv[0] === 'rm')).toEqual([])
    // AND the CLI reports a failed host task as exit 4, not as a bug
    expect(describeError(new TaskError('destroy on srv1 failed (exit code 1)', { host: 'srv1', task: 'destroy.purge' })).code).toBe(4)
  })

  it('never echoes a secret that holds a control character, from secrets.yaml or at render', () => {
    // GIVEN a hand-edited secrets.yaml with a tab in a password
    const file = join(mkdtempSync(join(tmpdir(), 'stackhouse-sec-')), 'secrets.yaml')
    writeFileSync(file, 'admin_password: "abc\\tdefgh-secret"\n', { mode: 0o600 })
    // THEN reading it names the secret and the fix, not the value
    expect(() => readSecrets(file)).toThrow(SecretsError)
    expect(() => readSecrets(file)).toThrow(`${file}: the value of "admin_password" holds a control character`)
    try {
      readSecrets(file)
    } catch (e) {
      expect(describeError(e).lines.join('\n')).not.toContain('defgh-secret')
    }
    // AND render, handed such a secret, names where it is and hides it
    const model = fixtureModel('aio')
    const bad = { ...model, config: {}, secrets: { ...model.secrets, admin_password: 'abc\tdefgh-secret' } }
    expect(() => render(bad, roles)).toThrow(RenderValueError)
    expect(() => render(bad, roles)).toThrow('model.secrets.admin_password: the value of the secret holds a control character')
  })

  it('keeps the API address and the names /etc/hosts reserves out of a cloud', () => {
    // an endpoint address inside the floating-IP range
    expect(errors(`${aio}endpoints: { public_address: 203.0.113.20 }\n`)).toEqual([
      'inv.yml:7:30 /endpoints/public_address: 203.0.113.20 is inside the floating-IP range 203.0.113.10-203.0.113.250\n  fix: shrink networks.provider.allocation so it leaves out the API address',
    ])
    // a host named like one of /etc/hosts' own lines
    expect(errors(aio.replaceAll('aio1', 'ip6-localhost'))[0]).toMatch(
      /a host cannot be named "ip6-localhost": every host's \/etc\/hosts gives that name to itself/,
    )
  })

  it('checks certificate files only while TLS is on, and gives /31 networks their whole range', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-tls-'))
    expect(errors(`${aio}tls: { enabled: false, certificate: gone.crt, key: gone.key }\n`, dir)).toEqual([])
    expect(
      errors(`${aio}tls: { enabled: true, certificate: gone.crt, key: gone.key }\n`, dir).map((e) =>
        e.split('\n')[0]!.replace(dir, '<dir>'),
      ),
    ).toEqual([
      'inv.yml:7:36 /tls/certificate: TLS certificate "gone.crt" does not exist (looked for <dir>/gone.crt)',
      'inv.yml:7:51 /tls/key: TLS key "gone.key" does not exist (looked for <dir>/gone.key)',
    ])
    const p2p = aio.replace(
      'management: { cidr: 10.0.0.0/24, gateway: 10.0.0.1 }',
      'management: { cidr: 10.0.0.10/31, gateway: 10.0.0.10 }',
    )
    expect(errors(p2p.replace('10.0.0.11', '10.0.0.10'))).toEqual([
      'inv.yml:2:28 /hosts/0/address: address 10.0.0.10 of host "aio1" is the network\'s gateway\n  fix: give the host an address in 10.0.0.10-10.0.0.11 that is not the gateway',
    ])
  })
})
