// SPDX-License-Identifier: Apache-2.0
// A command guarded by a check: run only when `unless` fails (exit non-zero).
import { must, probe } from './_exec.ts'
import { changed, ok, type Task } from './types.ts'

export interface CommandSpec {
  id: string
  title: string
  /** Exit 0 means the work is already done. Without it, the command runs every time and must be harmless to repeat. */
  unless?: string
  run: string
  /** Input for the command (keeps secrets out of argv and ps). */
  stdin?: string
}

export function commandTask(spec: CommandSpec): Task {
  return {
    id: spec.id,
    title: spec.title,
    async apply(ctx) {
      if (spec.unless && (await probe(ctx, spec.unless)).code === 0) return ok
      if (ctx.check) return changed(spec.title)
      await must(ctx, spec.id, spec.run, spec.stdin ? { stdin: spec.stdin } : undefined)
      return spec.unless ? changed(spec.title) : ok
    },
  }
}
