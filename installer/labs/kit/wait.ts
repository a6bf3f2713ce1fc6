// SPDX-License-Identifier: Apache-2.0
// The lab kit's one wait: what labs' setups, solves and cleanups poll for, with a
// LabError naming what never happened.
import type { LabContext } from '../context.ts'
import { LabError } from '../errors.ts'

/**
 * The one wait of labs' setups, solves and cleanups: `done` polled every `everyMs`
 * (2 s) for up to `minutes` (5); a LabError naming what never happened. `done` may
 * throw to stop at once (a volume gone to error).
 */
export async function waitFor(
  ctx: LabContext,
  what: string,
  done: () => Promise<boolean>,
  opts: { minutes?: number; everyMs?: number } = {},
): Promise<void> {
  const minutes = opts.minutes ?? 5
  const everyMs = opts.everyMs ?? 2000
  for (let i = 0; i < (minutes * 60_000) / everyMs; i++) {
    if (await done()) return
    await ctx.sleep(everyMs)
  }
  throw new LabError(
    `waited ${minutes} minutes for ${what}`,
    "look at the student's project (openstack … --project), then try again",
    'hosts',
  )
}
