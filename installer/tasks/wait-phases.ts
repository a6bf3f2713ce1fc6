// SPDX-License-Identifier: Apache-2.0
// A task that waits, part-way through a role's phase, for other phases to finish:
// a role's units start only once what they need runs (roles' `unitsNeed`).
import { StackhouseError } from '../errors.ts'
import { ok, type Task } from './types.ts'

export function waitPhasesTask(role: string, phases: readonly string[]): Task {
  return {
    id: `${role}.wait-phases`,
    title: `wait for ${phases.join(', ')} before starting ${role}'s units`,
    async apply(ctx) {
      if (!ctx.phasesDone)
        throw new StackhouseError(`${role}: the runner gives no way to wait for ${phases.join(', ')}`, { kind: 'internal', role })
      await ctx.phasesDone(phases)
      return ok
    },
  }
}
