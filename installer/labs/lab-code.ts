// SPDX-License-Identifier: Apache-2.0
// Calling a lab's own code (labs/<id>/checks.ts) for the runner: a check under a
// time limit, a hint found on the cloud, a setup, solve or cleanup. What the code
// throws is named with the lab's function; a check's throw or timeout is the
// environment's error, not the learner's.
import { StackhouseError } from '../errors.ts'
import { LabError } from './errors.ts'
import type { CheckResult, LabAction, LabCheck, LabContext, LabHint } from './context.ts'
import type { LabStepFile } from './format.ts'
import type { Lab } from './load.ts'

/** What a check said; `error` when the check itself threw or timed out (the environment, not the learner). */
export type StepResult = CheckResult | { status: 'error'; message: string }

const checkTimeoutMs = 30_000

/** Run a step's check with a time limit; a throw or a timeout is an environment error. */
export async function runLabCheck(lab: Lab, step: LabStepFile, ctx: LabContext): Promise<StepResult> {
  const fn = lab.code[step.check] as LabCheck
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<StepResult>((r) => {
    timer = setTimeout(() => r({ status: 'error', message: `the check did not answer within ${checkTimeoutMs / 1000} s` }), checkTimeoutMs)
  })
  try {
    return await Promise.race([
      fn(ctx).then(
        (r): StepResult =>
          r && ['pass', 'fail', 'waiting'].includes(r.status) ? r : { status: 'error', message: 'the check returned no result' },
      ),
      timeout,
    ])
  } catch (e) {
    return { status: 'error', message: (e as Error).message.split('\n')[0] ?? String(e) }
  } finally {
    clearTimeout(timer)
  }
}

/** A hint found on the cloud by the lab's function `name`; a failure to make the context is named the same way. */
export async function runLabHint(lab: Lab, name: string, ctx: Promise<LabContext>): Promise<string> {
  try {
    return await (lab.code[name] as LabHint)(await ctx)
  } catch (e) {
    if (e instanceof StackhouseError) throw e
    throw new LabError(`${lab.file.id}: ${name} failed: ${(e as Error).message?.split('\n')[0] ?? String(e)}`, 'try again', 'hosts')
  }
}

/** A setup, solve or cleanup; what it throws that is not a StackhouseError is the cloud's answer, named with the lab's function. */
export async function runLabAction(lab: Lab, name: string | undefined, ctx: LabContext): Promise<void> {
  if (!name) return
  try {
    await (lab.code[name] as LabAction)(ctx)
  } catch (e) {
    if (e instanceof StackhouseError) throw e
    throw new LabError(
      `${lab.file.id}: ${name} failed: ${(e as Error).message?.split('\n')[0] ?? String(e)}`,
      'look at the cloud (stackhouse status), then try again',
      'hosts',
    )
  }
}
