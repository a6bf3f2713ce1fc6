// SPDX-License-Identifier: Apache-2.0
// A shell command on a sandbox host as root, over SSH with the sandbox's key: its exit code and output.
import { sandboxPaths } from '../../installer/sandbox/index.ts'
import { connectSsh } from '../../installer/transport/ssh.ts'

export async function onSandboxHost(
  h: { name: string; address: string },
  command: string,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const t = await connectSsh(
    { host: h.name, address: h.address, port: 22, user: 'root', key: sandboxPaths.key },
    { knownHosts: sandboxPaths.knownHosts },
  )
  try {
    const r = await t.exec(command, stdin === undefined ? {} : { stdin })
    return { code: r.code, stdout: r.stdout.trim(), stderr: r.stderr }
  } finally {
    await t.close()
  }
}
