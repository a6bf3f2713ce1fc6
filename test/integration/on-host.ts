// SPDX-License-Identifier: Apache-2.0
// A shell command on a sandbox host as root: its exit code, its output trimmed, and its error output.
import { sandboxExec, type SandboxTarget } from '../../installer/sandbox/index.ts'

export async function onSandboxHost(
  h: SandboxTarget,
  command: string,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await sandboxExec(h, command, stdin)
  return { code: r.code, stdout: r.stdout.trim(), stderr: r.stderr }
}
