// SPDX-License-Identifier: Apache-2.0
// The SSH transport against a real SSH server on loopback (ssh2's own server, the
// library node-ssh is built on): a connection the far end resets while it idles (a
// host rebooted or cut off) must fail its next command, not crash the deployer with
// an uncaught exception.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ssh2 from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectSsh } from '../../installer/transport/ssh.ts'

const dir = mkdtempSync(join(tmpdir(), 'stackhouse-ssh-test-'))
let server: InstanceType<typeof ssh2.Server>
let port = 0
const sockets: Socket[] = []

beforeAll(async () => {
  for (const name of ['host', 'client'])
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-m', 'PEM', '-N', '', '-f', join(dir, name)], { stdio: 'ignore' })
  server = new ssh2.Server({ hostKeys: [readFileSync(join(dir, 'host'))] }, (client) => {
    client.on('authentication', (ctx) => ctx.accept())
    client.on('session', (accept) => {
      accept().on('exec', (acceptExec) => {
        const stream = acceptExec()
        stream.write('hello\n')
        stream.exit(0)
        stream.end()
      })
    })
    client.on('error', () => undefined)
  })
  server.on('connection', () => undefined)
  // The raw sockets, so the test can reset one as a dying host would.
  ;(server as unknown as { _srv: { on(e: 'connection', f: (s: Socket) => void): void } })._srv.on('connection', (s) => sockets.push(s))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  port = (server.address() as { port: number }).port
})

afterAll(() => {
  server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the SSH transport', () => {
  it('survives the far end resetting an idle connection: the next command fails, the process does not', async () => {
    const t = await connectSsh(
      { host: 'h1', address: '127.0.0.1', port, user: 'root', key: join(dir, 'client') },
      { knownHosts: join(dir, 'known_hosts'), trustNewHosts: true },
    )
    expect((await t.exec('true')).stdout).toBe('hello\n')
    const uncaught: unknown[] = []
    const record = (e: unknown) => uncaught.push(e)
    process.on('uncaughtException', record)
    try {
      // WHEN the host goes away while the connection idles (a TCP reset)
      for (const s of sockets) s.resetAndDestroy()
      await new Promise((r) => setTimeout(r, 300))
      // THEN nothing was thrown at the process, and the next command fails on its own
      expect(uncaught).toEqual([])
      await expect(t.exec('true')).rejects.toThrow()
    } finally {
      process.off('uncaughtException', record)
      await t.close().catch(() => undefined)
    }
  })
})
