// SPDX-License-Identifier: Apache-2.0
// A command guarded by a check: run only when `unless` fails (exit non-zero).
import { must, probe } from './exec.ts'
import { changed, ok, type Task } from './types.ts'

export interface CommandSpec {
  id: string
  title: string
  /** Exit 0 means the work is already done. Without it, the command runs every time and must be harmless to repeat. */
  unless?: string
  run: string
  /** Input for the command (keeps secrets out of argv and ps). */
  stdin?: string
  /** Environment for both `unless` and `run`; values travel on stdin, never in logs. */
  env?: Record<string, string>
}

export function commandTask(spec: CommandSpec): Task {
  return {
    id: spec.id,
    title: spec.title,
    async apply(ctx) {
      const env = spec.env ? { env: spec.env } : {}
      if (spec.unless && (await probe(ctx, spec.unless, env)).code === 0) return ok
      // A step without a guard is a wait or a harmless repeat: nothing to report in --check.
      if (ctx.check) return spec.unless ? changed(spec.title) : ok
      await must(ctx, spec.id, spec.run, { ...env, ...(spec.stdin ? { stdin: spec.stdin } : {}) })
      return spec.unless ? changed(spec.title) : ok
    },
  }
}
