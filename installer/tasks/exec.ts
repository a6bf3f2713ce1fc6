// SPDX-License-Identifier: Apache-2.0
// Running commands inside tasks: logged, and a non-zero exit becomes a TaskError.
import type { ExecOptions, ExecResult } from '../transport/types.ts'
import { TaskError, type TaskContext } from './types.ts'

/** Run and return the result whatever the exit code (the runner's own reads use it too, hence the narrow context). */
export async function probe(ctx: Pick<TaskContext, 'transport' | 'log'>, command: string, opts?: ExecOptions): Promise<ExecResult> {
  ctx.log(`$ ${command}`)
  const r = await ctx.transport.exec(command, opts)
  ctx.log(`exit ${r.code}${r.stdout ? `\n${r.stdout.trimEnd()}` : ''}${r.stderr ? `\n[stderr] ${r.stderr.trimEnd()}` : ''}`)
  return r
}

/** Run; throw a TaskError naming host, task and command when it fails. */
export async function must(ctx: TaskContext, task: string, command: string, opts?: ExecOptions): Promise<ExecResult> {
  const r = await probe(ctx, command, opts)
  if (r.code !== 0) throw commandFailed(ctx, task, command, r)
  return r
}

/** The TaskError for a command that exited non-zero: host, task, command, and the tail of its output. */
export function commandFailed(
  ctx: Pick<TaskContext, 'host'>,
  task: string,
  command: string,
  r: ExecResult,
  message = `command failed with exit code ${r.code}`,
): TaskError {
  const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-15).join('\n')
  return new TaskError(message, { host: ctx.host.name, task, command, exitCode: r.code, stderr: tail })
}
