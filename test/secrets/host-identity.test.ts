// SPDX-License-Identifier: Apache-2.0
// A deploy with another cloud's secrets stops before changing anything. The check
// runs for real in bash, against a folder standing in for the host's root.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { render } from '../../installer/render/render.ts'
import { generateSecret } from '../../installer/secrets/generate.ts'
import { identityMismatches, requireSameCloud } from '../../installer/secrets/host-identity.ts'
import { SecretsError } from '../../installer/secrets/store.ts'
import type { ExecOptions, Transport } from '../../installer/transport/types.ts'
import { roles } from '../../roles/index.ts'
import { fixtureModel } from '../helpers.ts'
import { testCatalog } from '../helpers.ts'

// The all-in-one fixture with Cinder on Ceph, as the built-in cloud has it.
const aio = fixtureModel('aio')
const model = { ...aio, backends: { ...aio.backends, blockStorage: 'ceph' as const } }
const files = render(model, roles)

/** Most commands one host ran at the same time: an SSH server opens only so many channels (MaxSessions 10). */
let mostAtOnce = 0

/** aio1, its files under `root`; records every command it runs. */
function host(root: string, commands: string[]): Transport {
  let running = 0
  return {
    host: 'aio1',
    address: '10.0.0.11',
    async exec(command: string, opts: ExecOptions = {}) {
      commands.push(command)
      mostAtOnce = Math.max(mostAtOnce, ++running)
      await new Promise((r) => setTimeout(r, 1))
      const r = spawnSync('bash', ['-c', command.replace('f=$1;', `f=${root}$1;`)], { input: opts.stdin ?? '', encoding: 'utf8' })
      running--
      return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr }
    },
    async writeFile() {},
    async close() {},
  }
}

function put(root: string, path: string, content: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), content)
}

describe('the hosts hold this cloud', () => {
  it('passes a new host, and one holding the same identity', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stackhouse-identity-'))
    const commands: string[] = []
    const t = new Map([['aio1', host(root, commands)]])
    expect(await identityMismatches(files, model.secrets, testCatalog, t)).toEqual([])
    // The files that carry the identity: Ceph's, Keystone's key repositories, Swift's salts, the Erlang cookie
    const carried = new Set(commands.flatMap((c) => /^set -- (.*?); while/.exec(c)![1]!.split(' ')))
    expect([...carried]).toEqual(
      expect.arrayContaining([
        '/etc/ceph/ceph.conf',
        '/etc/ceph/ceph.client.admin.keyring',
        '/etc/keystone/fernet-keys/0',
        '/etc/keystone/credential-keys/1',
        '/etc/swift/swift.conf',
        '/var/lib/rabbitmq/.erlang.cookie',
      ]),
    )
    for (const f of files.filter((x) => carried.has(x.path))) put(root, f.path, `# changed by an operator\n${f.content}`)
    expect(await identityMismatches(files, model.secrets, testCatalog, t)).toEqual([])
    // AND one command at a time on the host; no value is on a command line
    expect(mostAtOnce).toBe(1)
    for (const c of commands)
      for (const v of [model.secrets.keystone_fernet_key_0, model.secrets.swift_hash_path_suffix, model.secrets.rabbitmq_erlang_cookie])
        expect(c).not.toContain(v)
  })

  it("stops, naming each file, on a host holding another cloud's Ceph id and Keystone key", async () => {
    const root = mkdtempSync(join(tmpdir(), 'stackhouse-identity-'))
    const t = new Map([['aio1', host(root, [])]])
    put(root, '/etc/ceph/ceph.conf', '[global]\nfsid = 0b3f6a2e-0000-4000-8000-000000000000\n')
    put(root, '/etc/keystone/fernet-keys/0', generateSecret('fernet'))
    expect(await identityMismatches(files, model.secrets, testCatalog, t)).toEqual(
      [
        { host: 'aio1', path: '/etc/keystone/fernet-keys/0', secret: 'keystone_fernet_key_0' },
        { host: 'aio1', path: '/etc/ceph/ceph.conf', secret: 'ceph_fsid' },
      ].sort((a, b) => files.findIndex((f) => f.path === a.path) - files.findIndex((f) => f.path === b.path)),
    )
    const e = await requireSameCloud('/x/secrets.yaml', files, model.secrets, testCatalog, t).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(SecretsError)
    expect((e as Error).message).toMatch(/^\/x\/secrets\.yaml: does not belong to the cloud on these hosts \(nothing was changed\): aio1:/)
    expect((e as SecretsError).fix).toContain('--secrets')
  })
})
