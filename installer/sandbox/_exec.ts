// SPDX-License-Identifier: Apache-2.0
// installer/run.ts, failing with SandboxError and a 2-minute default limit.
import { run as runProgram, type RunOptions, type RunResult } from '../run.ts'
import { SandboxError } from './errors.ts'

export { commandLine, tail, type RunOptions, type RunResult } from '../run.ts'

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runProgram(cmd, args, { timeoutMs: 120_000, errorClass: SandboxError, ...opts })
}
