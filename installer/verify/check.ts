// SPDX-License-Identifier: Apache-2.0
// Runs checks in order, timing each. A check whose prerequisite did not pass is
// skipped with the reason, so one fault is reported once, where it is.
import type { VerifyContext } from './context.ts'
import { hintFromError } from './hints.ts'
import { CheckFailure, CheckSkipped, type CheckResult, type Hint } from './types.ts'

export interface Check {
  /** Stable id, e.g. `compute.services`, for --json readers and the appliance banner. */
  id: string
  name: string
  /** Ids of checks that must have passed for this one to run. */
  needs?: string[]
  /** Debian packages this machine needs for the check (e.g. iputils-ping), installed before any check runs. */
  machinePackages?: string[]
  /** Why the check does not apply to this cloud (the service is off), or undefined when it does. */
  notApplicable?(ctx: VerifyContext): string | undefined
  /** Where to look when the check fails with an error that carries no hint of its own. */
  hint?(ctx: VerifyContext): Hint
  /** Does the check; returns what was seen, throws what is wrong. */
  run(ctx: VerifyContext): Promise<string>
}

export async function runCheck(check: Check, ctx: VerifyContext, done: CheckResult[]): Promise<CheckResult> {
  const start = Date.now()
  const result = (status: CheckResult['status'], message: string, hint?: Hint): CheckResult => ({
    id: check.id,
    name: check.name,
    status,
    seconds: Number(((Date.now() - start) / 1000).toFixed(1)),
    message,
    ...(hint ? { hint } : {}),
  })
  const blocker = (check.needs ?? []).find((id) => done.find((r) => r.id === id)?.status !== 'pass')
  if (blocker) {
    const other = done.find((r) => r.id === blocker)
    return result('skip', other ? `${other.name} did not pass` : `it needs ${blocker}, which did not run`)
  }
  const na = check.notApplicable?.(ctx)
  if (na) return result('skip', na)
  try {
    return result('pass', await check.run(ctx))
  } catch (e) {
    if (e instanceof CheckSkipped) return result('skip', e.message)
    const hint = e instanceof CheckFailure ? (e.hint ?? check.hint?.(ctx)) : (hintFromError(ctx.model, e) ?? check.hint?.(ctx))
    ctx.log(`${check.id} failed: ${(e as Error).stack ?? String(e)}`)
    return result('fail', (e as Error).message ?? String(e), hint)
  }
}
