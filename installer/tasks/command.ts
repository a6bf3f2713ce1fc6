// SPDX-License-Identifier: Apache-2.0
// A command guarded by a check: run only when `unless` fails (exit non-zero).
// Waits and retries are declared on the step and looped here, in TypeScript, so
// no step carries its own `for i in $(seq …)` loop and every timeout reads alike.
import { setTimeout as sleep } from 'node:timers/promises'
import type { ExecOptions, ExecResult } from '../transport/types.ts'
import { commandFailed, probe } from './exec.ts'
import { changed, ok, type Clock, type Task, type TaskContext } from './types.ts'

const realClock: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms) }

/** How long a step keeps trying until its `unless` check passes. */
export interface WaitUntil {
  /** Give up (and fail the step) when the next try would start later than this after the first. */
  timeoutSeconds: number
  /** Pause between tries. @default 5 */
  intervalSeconds?: number
}

/** How often a flaky `run` is tried before the step fails. */
export interface Retry {
  /** Tries in all, the first included. */
  attempts: number
  /** Pause between tries. */
  delaySeconds: number
}

export interface CommandSpec {
  id: string
  title: string
  /** Exit 0 means the work is already done. Without it, the command runs every time and must be harmless to repeat. */
  unless?: string
  /** The change. Only a wait (`waitUntil` with `unless`) may have none: it changes nothing, it waits. */
  run?: string
  /** Input for the command (keeps secrets out of argv and ps). */
  stdin?: string
  /** Environment for both `unless` and `run`; values travel on stdin, never in logs. */
  env?: Record<string, string>
  /**
   * Keep trying until `unless` passes: run `run` (when there is one), then `unless`,
   * every `intervalSeconds`, and fail with the step's title and the time waited when
   * `timeoutSeconds` run out. For what comes up on its own (a service that takes
   * seconds to listen) or only after other hosts (compute hosts that register).
   * Under --check a wait without `run` is skipped; one with `run` is checked once.
   */
  waitUntil?: WaitUntil
  /** Try a failing `run` again, for a command that fails now and then for reasons outside it. */
  retry?: Retry
}

/** Runs `fn` when the host allows it (HostPackages.whileSettled): a check and a change may need different moments. */
export type Gate = <T>(fn: () => Promise<T>) => Promise<T>

/** When each part of the step may run: `check` for every `unless`, `run` for every `run`. Both at once by default. */
export interface CommandGates {
  check?: Gate
  run?: Gate
}

const now: Gate = (fn) => fn()

export function commandTask(spec: CommandSpec, gates: CommandGates = {}): Task {
  assertValid(spec)
  const env: ExecOptions = spec.env ? { env: spec.env } : {}
  const check = gates.check ?? now
  const run = gates.run ?? now
  return {
    id: spec.id,
    title: spec.title,
    async apply(ctx) {
      const parts = {
        check: () => check(() => probe(ctx, spec.unless!, env)),
        run: () => run(() => runRetrying(ctx, spec, env)),
      }
      // A wait changes nothing: under --check there is nothing to report, nor to wait for.
      if (ctx.check && spec.run === undefined) return ok
      const first = spec.unless === undefined ? undefined : await parts.check()
      if (first?.code === 0) return ok
      // A step without a guard is a harmless repeat: nothing to report in --check.
      if (ctx.check) return spec.unless ? changed(spec.title) : ok
      if (spec.waitUntil && first) await waitUntilDone(ctx, spec, first, parts)
      else await parts.run()
      return spec.unless && spec.run !== undefined ? changed(spec.title) : ok
    },
  }
}

/** Mistakes in a step's declaration, found when the task is made rather than on a host. */
function assertValid(spec: CommandSpec): void {
  const wrong = (why: string) => new Error(`step ${spec.id}: ${why}`)
  if (spec.run === undefined && !(spec.waitUntil && spec.unless)) throw wrong('without `run`, it must be a wait (`waitUntil` and `unless`)')
  if (spec.waitUntil && !spec.unless) throw wrong('`waitUntil` needs `unless`, the check it waits for')
  const w = spec.waitUntil
  if (w && !(w.timeoutSeconds > 0 && (w.intervalSeconds ?? 5) > 0)) throw wrong('`waitUntil` needs a positive timeout and interval')
  const r = spec.retry
  if (r && !(Number.isInteger(r.attempts) && r.attempts >= 1 && r.delaySeconds >= 0))
    throw wrong('`retry` needs a whole number of attempts (at least 1) and a delay of 0 s or more')
}

/** `run` (if any) then `unless`, until `unless` passes or the time is up. `last` is the check that just failed. */
async function waitUntilDone(
  ctx: TaskContext,
  spec: CommandSpec,
  last: ExecResult,
  parts: { check: () => Promise<ExecResult>; run: () => Promise<void> },
): Promise<void> {
  const { timeoutSeconds, intervalSeconds = 5 } = spec.waitUntil!
  const clock = ctx.clock ?? realClock
  const deadline = clock.now() + timeoutSeconds * 1000
  const attempt = async () => {
    if (spec.run !== undefined) await parts.run()
    return parts.check()
  }
  if (spec.run !== undefined) last = await attempt()
  while (last.code !== 0) {
    if (clock.now() + intervalSeconds * 1000 > deadline) {
      const message = `${spec.title}: still not done after ${timeoutSeconds} s (checked every ${intervalSeconds} s; the check last exited ${last.code})`
      throw commandFailed(ctx, spec.id, spec.unless!, last, message)
    }
    await clock.sleep(intervalSeconds * 1000)
    last = await attempt()
  }
}

/** `run`, tried again after `retry.delaySeconds` while it fails and attempts are left. */
async function runRetrying(ctx: TaskContext, spec: CommandSpec, env: ExecOptions): Promise<void> {
  const { attempts, delaySeconds } = spec.retry ?? { attempts: 1, delaySeconds: 0 }
  const opts = { ...env, ...(spec.stdin ? { stdin: spec.stdin } : {}) }
  for (let i = 1; ; i++) {
    const r = await probe(ctx, spec.run!, opts)
    if (r.code === 0) return
    if (i >= attempts) {
      const message =
        attempts > 1 ? `command failed ${attempts} times, last with exit code ${r.code}` : `command failed with exit code ${r.code}`
      throw commandFailed(ctx, spec.id, spec.run!, r, message)
    }
    ctx.log(`attempt ${i} of ${attempts} failed; trying again in ${delaySeconds} s`)
    await (ctx.clock ?? realClock).sleep(delaySeconds * 1000)
  }
}
