// SPDX-License-Identifier: Apache-2.0
// SSH into the test guest. The engine's transport (transport/ssh.ts) runs every
// command under bash and checks known_hosts; the guest is busybox (no bash) and
// makes a new host key on every boot, so verify has this small client instead.
import { NodeSSH } from 'node-ssh'
import { readFileSync } from 'node:fs'
import { fingerprint } from '../transport/known-hosts.ts'

export interface GuestShell {
  /** SHA256 fingerprint of the host key the guest offered. */
  hostKey: string
  run(command: string): Promise<{ code: number; stdout: string; stderr: string }>
  close(): void
}

/** Connect as root with the key at `keyPath`, retrying until `timeoutMs` (dropbear starts late in boot). */
export async function connectGuest(address: string, keyPath: string, timeoutMs: number, port = 22): Promise<GuestShell> {
  const privateKey = readFileSync(keyPath, 'utf8')
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    let hostKey = ''
    const ssh = new NodeSSH()
    try {
      await ssh.connect({
        host: address,
        port,
        username: 'root',
        privateKey,
        readyTimeout: 15_000,
        // NOTE: the guest makes its host key on each boot (installer/guest-image/files/rootfs/etc/rc),
        // so there is nothing to pin in advance: accept it, and let the caller compare the
        // fingerprint with the one the guest printed on its console (read through Nova's API).
        hostVerifier: (key: Buffer) => {
          hostKey = fingerprint(key)
          return true
        },
      })
      // A reset while idle fails the next command, not the process (see installer/transport/ssh.ts).
      ssh.connection?.on('error', () => undefined)
      return {
        hostKey,
        run: async (command) => {
          const r = await ssh.execCommand(command)
          return { code: r.code ?? 128, stdout: r.stdout, stderr: r.stderr }
        },
        close: () => ssh.dispose(),
      }
    } catch (e) {
      last = e
      ssh.dispose()
      await new Promise((r) => setTimeout(r, 3000))
    }
  }
  throw new Error(
    `no SSH login as root@${address} within ${Math.round(timeoutMs / 1000)} s: ${(last as Error | undefined)?.message ?? 'no attempt finished'}`,
    { cause: last },
  )
}
