// SPDX-License-Identifier: Apache-2.0
// Hosts that cannot be reached: every one is named with its address and what to
// check, nothing is changed, and the CLI maps it to exit code 4.
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeError } from '../../installer/cli/main.ts'
import { TransportError } from '../../installer/transport/types.ts'
import type { Model } from '../../installer/model/types.ts'
import { projectPaths } from '../../installer/project.ts'
import { connectAll, ConnectError } from '../../installer/runner/connect.ts'
import { fixtureModel } from '../helpers.ts'

/**
 * The aio fixture with its host moved to loopback port 1, where nothing listens.
 * Built past validation on purpose: inventories refuse loopback addresses, and
 * test traffic may go nowhere else.
 */
function unreachableModel(dir: string, key: string): Model {
  const m = fixtureModel('aio')
  return { ...m, target: 'hosts', hosts: m.hosts.map((h) => ({ ...h, address: '127.0.0.1', ssh: { user: 'root', port: 1, key } })) }
}

describe('connecting to hosts', () => {
  it('names a host that cannot be reached, with its address and what to check; the CLI exits 4', async () => {
    // GIVEN a host where nothing listens for SSH, and a valid key
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-connect-'))
    writeFileSync(
      join(dir, 'key'),
      generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey,
    )
    const model = unreachableModel(dir, 'key')
    const paths = projectPaths({ inventory: join(dir, 'inventory.yml') })
    // WHEN connecting
    const error = await connectAll(model.hosts, paths, {}).catch((e: unknown) => e)
    // THEN one ConnectError names the host, the address and the port
    expect(error).toBeInstanceOf(ConnectError)
    expect((error as ConnectError).message).toContain('host aio1 (127.0.0.1): cannot connect over SSH: nothing listens on port 1')
    // AND the CLI prints it with the fix and exits 4, without a stack trace
    const report = describeError(error)
    expect(report.code).toBe(4)
    expect(report.lines.join('\n')).toContain('fix: check that the host is up, sshd runs on port 1')
    expect(report.lines.at(-1)).toBe('Nothing was changed on any host.')
    expect(report.lines.join('\n')).not.toMatch(/\n\s+at /)
  })

  it("a session that fails after connecting (a refused channel) is the host's problem: exit 4 with the fix, no stack", () => {
    const report = describeError(
      new TransportError(
        'aio1',
        '10.77.0.11',
        'closed',
        'the SSH session failed: (SSH) Channel open failure: open failed',
        're-run; if it persists, check the host',
      ),
    )
    expect(report.code).toBe(4)
    expect(report.lines.join('\n')).toContain('host aio1 (10.77.0.11): the SSH session failed')
    expect(report.lines.join('\n')).not.toMatch(/\n\s+at /)
  })

  it('names a key file that is not a private key, before any connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-connect-'))
    writeFileSync(join(dir, 'key'), 'not a key\n')
    const model = unreachableModel(dir, 'key')
    const error = await connectAll(model.hosts, projectPaths({ inventory: join(dir, 'inventory.yml') }), {}).catch((e: unknown) => e)
    expect((error as Error).message).toContain(`host aio1 (127.0.0.1): ${join(dir, 'key')} is not a usable private key`)
  })
})
