// SPDX-License-Identifier: Apache-2.0
// installer/run.ts, failing with GuestImageError.
import { run as runProgram, type RunOptions, type RunResult } from '../run.ts'
import { GuestImageError } from './errors.ts'

export { commandLine, tail, type RunOptions, type RunResult } from '../run.ts'

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runProgram(cmd, args, { errorClass: GuestImageError, ...opts })
}
