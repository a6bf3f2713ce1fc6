// SPDX-License-Identifier: Apache-2.0
// `stackhouse lab test`: a lab proves itself on a real cloud. A fresh student in a
// class of its own; for each step: its setup, the check fails, the solve, the
// check passes (polled while the cloud builds); then the lab's cleanup must leave
// nothing of the student's, and the student is removed. Whatever happens.
import { randomBytes } from 'node:crypto'
import type { Project } from '../project.ts'
import { Classroom } from './classroom.ts'
import { describeOwned, ownedBy } from './leftovers.ts'
import type { Lab } from './load.ts'
import type { StepResult } from './lab-code.ts'
import { LabRunner } from './runner.ts'

export interface StepTest {
  id: string
  /** The check before the solve: must fail (not pass, not be waiting). */
  before: StepResult
  /** The check after the solve: must pass. */
  after?: StepResult
  seconds: number
}

export interface LabTestReport {
  lab: string
  ok: boolean
  steps: StepTest[]
  /** What the lab's cleanup left of the student's. */
  leftovers: string
  /** The cloud lacks a service the lab needs: nothing ran. */
  skipped?: boolean
  /** Why it failed, in one line. */
  problem?: string
  seconds: number
}

export interface LabTestOptions {
  /** How long a step may take to pass after its solve. @default 10 min */
  readyMs?: number
  /** Hears each step as it finishes. */
  onStep?: (s: StepTest) => void
  /** The student's number (labs whose faults or names vary by number). @default 1 */
  student?: number
}

export async function testLab(project: Project, lab: Lab, opts: LabTestOptions = {}): Promise<LabTestReport> {
  const started = Date.now()
  const room = new Classroom(project, `t${randomBytes(4).toString('hex')}`)
  const runner = new LabRunner(lab, room, opts.student ?? 1)
  const steps: StepTest[] = []
  let problem: string | undefined
  let leftovers = ''
  // A cloud without what the lab needs: nothing is made, so there is nothing to clean.
  const refused = await runner.gate().then(
    () => undefined,
    (e: unknown) => (e as Error).message,
  )
  if (refused)
    return { lab: lab.file.id, ok: false, skipped: true, steps, leftovers, problem: refused, seconds: (Date.now() - started) / 1000 }
  try {
    await runner.start()
    for (const step of runner.steps) {
      const t0 = Date.now()
      const ctx = await runner.ctx()
      if (step.setup) await (lab.code[step.setup] as (c: typeof ctx) => Promise<void>)(ctx)
      const before = await runner.runCheck(step)
      const test: StepTest = { id: step.id, before, seconds: 0 }
      steps.push(test)
      if (before.status === 'pass' || before.status === 'waiting')
        problem = `step ${step.id}: before the solve the check says ${before.status}${before.message ? `: ${before.message}` : ''}, not fail`
      else if (before.status === 'error') problem = `step ${step.id}: the check failed to run: ${before.message}`
      if (!problem) {
        await runner.solve(step.id)
        test.after = await until(() => runner.runCheck(step), opts.readyMs ?? 10 * 60_000)
        if (test.after.status !== 'pass')
          problem = `step ${step.id}: after the solve the check says ${test.after.status}: ${test.after.message}`
      }
      test.seconds = (Date.now() - t0) / 1000
      opts.onStep?.(test)
      if (problem) break
    }
  } catch (e) {
    problem ??= `the lab's code failed: ${(e as Error).message.split('\n')[0]}`
  } finally {
    try {
      await runner.cleanup()
      const ctx = await runner.ctx()
      const owned = await ownedBy(ctx.checker, ctx.student, await ctx.asStudent())
      leftovers = describeOwned(owned)
      // What the cleanup left stays with its project, to be looked at: a project is never removed from under it.
      if (owned.length) problem ??= `the lab's cleanup left ${leftovers} (project ${ctx.student.project.name} kept)`
      else await room.removeStudent(ctx.student)
    } catch (e) {
      problem ??= `cleanup failed: ${(e as Error).message.split('\n')[0]}`
    }
  }
  return { lab: lab.file.id, ok: !problem, steps, leftovers, ...(problem ? { problem } : {}), seconds: (Date.now() - started) / 1000 }
}

/** Polls a check every 3 s while it is `waiting`, and for a minute while it fails (the solve's work may be on its way). */
async function until(check: () => Promise<StepResult>, ms: number): Promise<StepResult> {
  const deadline = Date.now() + ms
  const failDeadline = Date.now() + Math.min(ms, 60_000)
  for (;;) {
    const r = await check()
    if (r.status === 'pass' || r.status === 'error' || Date.now() >= (r.status === 'fail' ? failDeadline : deadline)) return r
    await new Promise((res) => setTimeout(res, 3000))
  }
}
