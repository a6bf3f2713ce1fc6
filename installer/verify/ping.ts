// SPDX-License-Identifier: Apache-2.0
// Reachability from this machine with the system's ping (one echo, 2 s wait), in a
// loop: raw ICMP sockets need privileges that ping already has (file capabilities).
import { execFile } from 'node:child_process'
import { CheckFailure } from './types.ts'

function pingOnce(address: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile('ping', ['-c1', '-W2', '-n', address], { timeout: 10_000 }, (error) => {
      // No ping at all would read as "unreachable" forever: say so instead.
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new CheckFailure('this machine has no ping command', { service: 'this machine', fix: 'apt-get install iputils-ping' }))
      } else resolve(!error)
    })
  })
}

/** Ping until an answer comes or `timeoutMs` passes; returns the attempts it took, or undefined. */
export async function pingUntil(address: string, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs
  for (let attempt = 1; ; attempt++) {
    const started = Date.now()
    if (await pingOnce(address)) return attempt
    if (Date.now() > deadline) return undefined
    // An unreachable answer comes at once; do not spin.
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))))
  }
}
