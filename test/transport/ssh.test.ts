// SPDX-License-Identifier: Apache-2.0
// The SSH transport against a real SSH server on loopback (ssh2's own server, the
// library node-ssh is built on): a connection the far end resets while it idles (a
// host rebooted or cut off) must fail its next command, not crash the deployer with
// an uncaught exception; and many commands at once on one connection must all run,
// as sshd refuses session channels beyond its MaxSessions.
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
// As sshd: sessions beyond this many open at once on one connection are refused.
let maxSessions = 10
let openSessions = 0
let mostOpen = 0
let refused = 0

beforeAll(async () => {
  for (const name of ['host', 'client'])
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-m', 'PEM', '-N', '', '-f', join(dir, name)], { stdio: 'ignore' })
  server = new ssh2.Server({ hostKeys: [readFileSync(join(dir, 'host'))] }, (client) => {
    client.on('authentication', (ctx) => ctx.accept())
    client.on('session', (accept, reject) => {
      if (openSessions >= maxSessions) {
        refused++
        return reject()
      }
      openSessions++
      mostOpen = Math.max(mostOpen, openSessions)
      const session = accept()
      session.on('close', () => openSessions--)
      session.on('exec', (acceptExec, _reject, info) => {
        const stream = acceptExec()
        // A command that takes a while, so channels overlap.
        setTimeout(
          () => {
            stream.write('hello\n')
            stream.exit(0)
            stream.end()
          },
          info.command.includes('slow') ? 100 : 0,
        )
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

const connect = () =>
  connectSsh(
    { host: 'h1', address: '127.0.0.1', port, user: 'root', key: join(dir, 'client') },
    { knownHosts: join(dir, 'known_hosts'), trustNewHosts: true },
  )

describe('the SSH transport', () => {
  it("keeps the channels it opens at once below sshd's default MaxSessions: 25 concurrent commands all run", async () => {
    maxSessions = 10
    mostOpen = refused = 0
    const t = await connect()
    try {
      const results = await Promise.all(Array.from({ length: 25 }, () => t.exec('slow')))
      expect(results.map((r) => r.stdout)).toEqual(Array(25).fill('hello\n'))
      expect(refused).toBe(0)
      expect(mostOpen).toBeGreaterThan(1)
      expect(mostOpen).toBeLessThanOrEqual(8)
    } finally {
      await t.close()
    }
  })

  it('retries a channel the host refused (an operator lowered MaxSessions): the commands still all run', async () => {
    maxSessions = 3
    mostOpen = refused = 0
    const t = await connect()
    try {
      const results = await Promise.all(Array.from({ length: 12 }, () => t.exec('slow')))
      expect(results.every((r) => r.code === 0 && r.stdout === 'hello\n')).toBe(true)
      expect(refused).toBeGreaterThan(0)
      expect(mostOpen).toBe(3)
    } finally {
      maxSessions = 10
      await t.close()
    }
  })

  it('survives the far end resetting an idle connection: the next command fails, the process does not', async () => {
    const t = await connect()
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
