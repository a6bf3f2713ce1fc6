// SPDX-License-Identifier: Apache-2.0
// One SSH session to a sandbox host as root, with the sandbox's own key and
// known_hosts: for the builds and tests that run commands on a host directly.
import type { ExecResult, Transport } from '../transport/types.ts'
import { connectSsh } from '../transport/ssh.ts'
import { sandboxPaths } from './paths.ts'

export interface SandboxTarget {
  name: string
  address: string
}

/** Connect, run `fn` with the session, close it whatever happens. */
export async function withSandboxHost<T>(h: SandboxTarget, fn: (t: Transport) => Promise<T>): Promise<T> {
  const t = await connectSsh(
    { host: h.name, address: h.address, port: 22, user: 'root', key: sandboxPaths.key },
    { knownHosts: sandboxPaths.knownHosts },
  )
  try {
    return await fn(t)
  } finally {
    await t.close()
  }
}

/** One command on the host: its exit code and output (input on stdin, if given). */
export function sandboxExec(h: SandboxTarget, command: string, stdin?: string): Promise<ExecResult> {
  return withSandboxHost(h, (t) => t.exec(command, stdin === undefined ? {} : { stdin }))
}
