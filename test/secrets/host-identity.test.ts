// SPDX-License-Identifier: Apache-2.0
// A deploy with another cloud's secrets stops before changing anything. Each host
// records which cloud it was given to (a hash per identity secret); the commands run
// for real in bash, against a folder standing in for the host's root.
import { noFileCopy } from '../runner/fake-host.ts'
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateSecret } from '../../installer/secrets/generate.ts'
import { identityStamp, identityStampPath, requireSameCloud } from '../../installer/secrets/host-identity.ts'
import { SecretsError } from '../../installer/secrets/store.ts'
import type { ExecOptions, Transport } from '../../installer/transport/types.ts'
import { fixtureModel, testCatalog } from '../helpers.ts'

const model = fixtureModel('aio')

/** aio1, its files under `root`; records every command it runs. */
function host(root: string, commands: string[]): Map<string, Transport> {
  const t: Transport = {
    host: 'aio1',
    address: '10.0.0.11',
    async exec(command: string, opts: ExecOptions = {}) {
      commands.push(command)
      const r = spawnSync('bash', ['-c', command.replaceAll('/var/lib/stackhouse', `${root}/var/lib/stackhouse`)], {
        input: opts.stdin ?? '',
        encoding: 'utf8',
      })
      return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr }
    },
    async writeFile() {},
    ...noFileCopy,
    async close() {},
  }
  return new Map([['aio1', t]])
}

function put(root: string, path: string, content: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), content)
}

const stampOn = (root: string) => join(root, identityStampPath)
const otherSecrets = () => ({ ...model.secrets, ceph_fsid: generateSecret('uuid'), keystone_fernet_key_0: generateSecret('fernet') })

describe('the hosts hold this cloud', () => {
  it("passes a host never given to a cloud, whatever its packages wrote, and records this cloud's stamp", async () => {
    // GIVEN a host whose packages made identity-like files of their own (a pre-installed layer, or --only prepare)
    const root = mkdtempSync(join(tmpdir(), 'stackhouse-identity-'))
    put(root, '/var/lib/rabbitmq/.erlang.cookie', 'ABCDEFGHIJKLMNOPQRST')
    put(root, '/etc/swift/swift.conf', '[swift-hash]\nswift_hash_path_suffix = made-by-the-package\n')
    const commands: string[] = []
    // WHEN the deploy checks it THEN it passes and the host now says which cloud it belongs to
    await requireSameCloud('/x/secrets.yaml', ['aio1'], model.secrets, testCatalog, host(root, commands))
    const stamp = readFileSync(stampOn(root), 'utf8')
    expect(stamp).toBe(identityStamp(model.secrets, testCatalog))
    expect(stamp).toContain(`ceph_fsid ${createHash('sha256').update(model.secrets.ceph_fsid).digest('hex')}\n`)
    expect(
      stamp
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[0]),
    ).toEqual(expect.arrayContaining(['ceph_fsid', 'keystone_fernet_key_0', 'swift_hash_path_suffix', 'rabbitmq_erlang_cookie']))
    expect(statSync(stampOn(root)).mode & 0o777).toBe(0o600)
    // AND no secret value is in the stamp or on a command line
    for (const v of [model.secrets.keystone_fernet_key_0, model.secrets.swift_hash_path_suffix, model.secrets.rabbitmq_erlang_cookie]) {
      expect(stamp).not.toContain(v)
      for (const c of commands) expect(c).not.toContain(v)
    }
    // AND the next deploy of the same cloud passes, reading the stamp and writing nothing
    const again: string[] = []
    await requireSameCloud('/x/secrets.yaml', ['aio1'], model.secrets, testCatalog, host(root, again))
    expect(again).toHaveLength(1)
    expect(again[0]).toMatch(/^if \[ -e /)
  })

  it('stops, naming the host and the secrets, on a host given to another cloud, and changes nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stackhouse-identity-'))
    put(root, identityStampPath, identityStamp(otherSecrets(), testCatalog))
    const before = readFileSync(stampOn(root), 'utf8')
    const e = await requireSameCloud('/x/secrets.yaml', ['aio1'], model.secrets, testCatalog, host(root, [])).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(SecretsError)
    expect((e as Error).message).toBe(
      '/x/secrets.yaml: does not belong to the cloud on these hosts (nothing was changed): aio1 holds another ceph_fsid; aio1 holds another keystone_fernet_key_0',
    )
    expect((e as SecretsError).fix).toContain('--secrets')
    expect(readFileSync(stampOn(root), 'utf8')).toBe(before)
  })

  it('compares only the secrets both know, and writes nothing under --check', async () => {
    // GIVEN a stamp from before a role with an identity secret of its own was added
    const root = mkdtempSync(join(tmpdir(), 'stackhouse-identity-'))
    const older = identityStamp(model.secrets, testCatalog)
      .split('\n')
      .filter((l) => !l.startsWith('swift_'))
      .join('\n')
    put(root, identityStampPath, `${older}\nretired_secret 00ff\n`)
    await requireSameCloud('/x/secrets.yaml', ['aio1'], model.secrets, testCatalog, host(root, []), { check: true })
    expect(readFileSync(stampOn(root), 'utf8')).toBe(`${older}\nretired_secret 00ff\n`)
    // AND --check on a new host leaves no stamp
    const fresh = mkdtempSync(join(tmpdir(), 'stackhouse-identity-'))
    await requireSameCloud('/x/secrets.yaml', ['aio1'], model.secrets, testCatalog, host(fresh, []), { check: true })
    expect(existsSync(stampOn(fresh))).toBe(false)
  })
})
