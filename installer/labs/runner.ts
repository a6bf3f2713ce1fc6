// SPDX-License-Identifier: Apache-2.0
// One student in one lab: start (readiness gate, their project, the lab's setup),
// check, hint, solve ("jump to step N": earlier steps not done are solved first),
// reset, status. Every action is recorded in the class's progress file.
import { sanitizeMessage } from '../printable.ts'
import { LabError } from './errors.ts'
import { cloudHolder, releaseCloud, requireCloud, takeCloud } from './exclusive.ts'
import type { Classroom, StudentLogin } from './classroom.ts'
import type { LabContext } from './context.ts'
import type { LabStepFile } from './format.ts'
import { runLabAction, runLabCheck, runLabHint, type StepResult } from './lab-code.ts'
import { fillText, type Lab } from './load.ts'
import { readEvents, recordEvent, studentProgress, type StudentProgress } from './progress.ts'
import { studentContext } from './student-context.ts'

export { LabError } from './errors.ts'

export class LabRunner {
  private login?: Promise<StudentLogin>
  private context?: Promise<LabContext>

  constructor(
    readonly lab: Lab,
    readonly room: Classroom,
    readonly studentNumber: number,
    /** Make the student's project and user when missing (start, lab test); else a missing student is an error. */
    private readonly opts: { create: boolean } = { create: true },
  ) {}

  get steps(): LabStepFile[] {
    return this.lab.file.steps
  }

  /** The student's login (project and user made when missing). */
  student(): Promise<StudentLogin> {
    if (!this.opts.create && !this.room.hasStudent(this.studentNumber))
      throw new LabError(
        `student ${this.studentNumber} of class ${this.room.classId} has not started ${this.lab.file.id}`,
        `stackhouse lab start ${this.lab.file.id} --class ${this.room.classId} --student ${this.studentNumber}`,
      )
    return (this.login ??= this.room.ensureStudent(this.studentNumber))
  }

  /** The context the lab's code runs in. */
  ctx(): Promise<LabContext> {
    return (this.context ??= (async () => studentContext(this.lab, this.room, await this.student()))())
  }

  /** The step's text (Markdown) with the student's values in. */
  async text(step: LabStepFile): Promise<string> {
    return fillText(step.text, (await this.ctx()).vars)
  }

  step(id: string | undefined): LabStepFile {
    if (id === undefined) return this.steps[0]!
    const byNumber = /^\d+$/.test(id) ? this.steps[Number(id) - 1] : undefined
    const found = byNumber ?? this.steps.find((s) => s.id === id)
    if (!found)
      throw new LabError(
        `lab ${this.lab.file.id} has no step "${id.slice(0, 60)}"`,
        `steps: ${this.steps.map((s, i) => `${i + 1} ${s.id}`).join(', ')}`,
      )
    return found
  }

  /** Refuses a cloud without a service the lab needs, naming what is missing. */
  async gate(): Promise<void> {
    const have = new Set((await this.room.checker()).session.catalog.map((c) => c.type))
    const missing = this.lab.file.needs.filter((n) => !have.has(n))
    if (missing.length)
      throw new LabError(
        `lab ${this.lab.file.id} needs ${missing.join(', ')}, which this cloud does not have`,
        'enable the service in the inventory and deploy, or choose another lab (stackhouse lab list)',
      )
  }

  /** Start (or resume): gate, the student's project, the lab's setup and the first step's. Idempotent. */
  async start(): Promise<void> {
    await this.gate()
    if (this.lab.file.isolation === 'exclusive') takeCloud(this.room.project.paths.stateDir, this.holder())
    const ctx = await this.ctx()
    await this.action(this.lab.file.setup, ctx)
    await this.action(this.steps[0]!.setup, ctx)
    // Started again (a resume), the student keeps what they did.
    if (!this.progress().started) this.record({ type: 'started' })
  }

  /** Check a step (default: the first not done); records the result. */
  async check(stepId?: string): Promise<{ step: LabStepFile; result: StepResult }> {
    this.requireTime()
    this.requireCloud()
    const step = stepId === undefined ? await this.current() : this.step(stepId)
    const found = await this.runCheck(step)
    // Messages quote what the student made (object contents, metadata): no control characters reach a terminal or the log.
    const result = found.message === undefined ? found : ({ ...found, message: sanitizeMessage(found.message) } as StepResult)
    this.record({
      type: 'check',
      step: step.id,
      result: result.status,
      ...(result.status !== 'pass' || result.message ? { message: result.message ?? '' } : {}),
    })
    if (result.status === 'pass') await this.enterAfter(step)
    return { step, result }
  }

  /** The next hint of a step, or undefined when every hint is shown. */
  async hint(stepId?: string): Promise<{ step: LabStepFile; hint?: string; number: number; of: number }> {
    this.requireTime()
    this.requireCloud()
    const step = stepId === undefined ? await this.current() : this.step(stepId)
    const shown = this.progress().steps.find((s) => s.id === step.id)?.hintsShown ?? 0
    const of = step.hints.length + (step.hintFrom ? 1 : 0)
    if (shown >= of) return { step, number: shown, of }
    if (shown < step.hints.length) {
      this.record({ type: 'hint', step: step.id, hint: shown + 1 })
      return { step, hint: fillText(step.hints[shown]!, (await this.ctx()).vars), number: shown + 1, of }
    }
    // The last hint is found on the cloud now (Stackhouse's own diff of a live file…) and kept with its event.
    const found = await this.found(step.hintFrom!)
    this.record({ type: 'hint', step: step.id, hint: shown + 1, message: found })
    return { step, hint: found, number: shown + 1, of }
  }

  /**
   * Solve a step, and every earlier one whose check does not pass yet, in order.
   * Returns the steps solved. Does not wait for the last one to be ready.
   */
  async solve(stepId: string): Promise<string[]> {
    this.requireCloud()
    const target = this.steps.indexOf(this.step(stepId))
    const ctx = await this.ctx()
    const solved: string[] = []
    for (const step of this.steps.slice(0, target + 1)) {
      const before = await this.runCheck(step)
      // Waiting: the student did it and the cloud is building it; it is theirs.
      if (before.status === 'pass' || before.status === 'waiting') continue
      await this.action(step.setup, ctx)
      await this.action(step.solve, ctx)
      // The cloud may take a moment to show what the solve asked for (Nova attaches through Cinder).
      let after = await this.runCheck(step)
      for (let i = 0; i < 10 && after.status === 'fail'; i++) {
        await ctx.sleep(2000)
        after = await this.runCheck(step)
      }
      if (after.status === 'fail' || after.status === 'error')
        throw new LabError(
          `the solve of ${step.id} left its check saying: ${after.message}`,
          "the student's project may hold something in the way: reset the lab",
          'hosts',
        )
      solved.push(step.id)
      this.record({ type: 'solved', step: step.id })
    }
    return solved
  }

  /** Back to the start: the lab's cleanup, then its setup again. */
  async reset(): Promise<void> {
    const ctx = await this.ctx()
    await this.action(this.lab.file.cleanup, ctx)
    this.record({ type: 'reset' })
    // An exclusive lab is theirs again (taken back if a cleanup gave it away, refused if another student took it since).
    if (this.lab.file.isolation === 'exclusive') takeCloud(this.room.project.paths.stateDir, this.holder())
    await this.action(this.lab.file.setup, ctx)
    await this.action(this.steps[0]!.setup, ctx)
  }

  /** The lab's cleanup: nothing of the student's in this lab is left. */
  async cleanup(): Promise<void> {
    // Nobody holding it is fine (a cleanup run again); another student holding it is not: it would repair what they broke.
    if (this.lab.file.isolation === 'exclusive' && cloudHolder(this.room.project.paths.stateDir)) this.requireCloud()
    await this.action(this.lab.file.cleanup, await this.ctx())
    this.record({ type: 'cleaned' })
    // The shared services are whole again: the next student may have the cloud.
    if (this.lab.file.isolation === 'exclusive') releaseCloud(this.room.project.paths.stateDir, this.holder())
  }

  /** An exclusive lab acts on shared services: only for the student who holds the cloud. */
  private requireCloud(): void {
    if (this.lab.file.isolation === 'exclusive') requireCloud(this.room.project.paths.stateDir, this.holder())
  }

  private holder(): { classId: string; student: number; lab: string } {
    return { classId: this.room.classId, student: this.studentNumber, lab: this.lab.file.id }
  }

  /** Checks and hints end with the student's time, when the class has a limit; the trainer's solve and reset do not. */
  private requireTime(): void {
    const { deadline } = this.progress()
    if (deadline && Date.parse(deadline) <= Date.now())
      throw new LabError(
        `time is up for ${this.lab.file.id}: it ended at ${deadline.slice(11, 16)} UTC`,
        `ask the trainer for more time (stackhouse class extend ${this.room.classId} ${this.lab.file.id} --minutes 10 --student ${this.studentNumber})`,
      )
  }

  /** Where the student stands, from the recorded events. */
  progress(): StudentProgress {
    return studentProgress(
      readEvents(this.room.dir),
      this.studentNumber,
      this.lab.file.id,
      this.steps.map((s) => s.id),
    )
  }

  /** The first step not done yet (the last when all are done). */
  async current(): Promise<LabStepFile> {
    const p = this.progress().steps
    return this.steps.find((_, i) => !p[i]!.done) ?? this.steps.at(-1)!
  }

  /** Run a step's check with a time limit; a throw or a timeout is an environment error. */
  async runCheck(step: LabStepFile): Promise<StepResult> {
    return runLabCheck(this.lab, step, await this.ctx())
  }

  private async enterAfter(step: LabStepFile): Promise<void> {
    const next = this.steps[this.steps.indexOf(step) + 1]
    if (next?.setup) await this.action(next.setup, await this.ctx())
  }

  /** The hint the lab's function `name` finds on the cloud now. */
  private found(name: string): Promise<string> {
    return runLabHint(this.lab, name, this.ctx())
  }

  /** A setup, solve or cleanup, named with the lab's function when it fails (./lab-code.ts). */
  private action(name: string | undefined, ctx: LabContext): Promise<void> {
    return runLabAction(this.lab, name, ctx)
  }

  private record(e: {
    type: Parameters<typeof recordEvent>[1]['type']
    step?: string
    result?: string
    message?: string
    hint?: number
  }): void {
    recordEvent(this.room.dir, { student: this.studentNumber, lab: this.lab.file.id, ...e })
  }
}
