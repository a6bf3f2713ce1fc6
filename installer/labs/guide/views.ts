// SPDX-License-Identifier: Apache-2.0
// What the lab guide's pages show, as JSON: a student's labs and one lab with
// its steps (text as HTML, with the student's own values in), and a trainer's
// grid. Read from the labs and the class's progress events; nothing here acts.
import { classGrid, type ClassGrid } from '../class.ts'
import { fillText, type Lab } from '../load.ts'
import type { StepResult } from '../lab-code.ts'
import type { LabRunner } from '../runner.ts'
import type { Project } from '../../project.ts'
import { markdownInline, markdownToHtml } from './markdown.ts'

export interface LabSummary {
  id: string
  title: string
  summary: string
  minutes: number
  steps: number
  started: boolean
  done: number
  /** It changes shared services: the trainer starts it for one student at a time. */
  exclusive: boolean
}

export interface StepView {
  id: string
  title: string
  points: number
  html: string
  done: boolean
  solved: boolean
  /** The last check's result, when the step was checked. */
  last: { result: string; message: string } | null
  /** The hints shown so far, as HTML. */
  hints: string[]
  hintsLeft: number
}

export interface LabView {
  id: string
  title: string
  summary: string
  minutes: number
  started: boolean
  /** When the student's time ends (ISO), under the class's time limit. */
  deadline: string | null
  /** Index of the first step not done (the last when all are). */
  current: number
  points: number
  maxPoints: number
  steps: StepView[]
}

/** A lab in the student's list, with how far they got. */
export function labSummary(runner: LabRunner): LabSummary {
  const p = runner.progress()
  const f = runner.lab.file
  return {
    id: f.id,
    title: f.title,
    summary: f.summary,
    minutes: f.minutes,
    steps: f.steps.length,
    started: p.started,
    done: p.steps.filter((s) => s.done).length,
    exclusive: f.isolation === 'exclusive',
  }
}

/** One lab as the student sees it. Text needs the student's values, so this asks the runner's context. */
export async function labView(runner: LabRunner): Promise<LabView> {
  const p = runner.progress()
  const f = runner.lab.file
  const vars = (await runner.ctx()).vars
  const steps = await Promise.all(
    f.steps.map(async (step, i): Promise<StepView> => {
      const sp = p.steps[i]!
      return {
        id: step.id,
        title: step.title,
        points: step.points,
        html: markdownToHtml(await runner.text(step)),
        done: sp.done,
        solved: sp.solved,
        last: sp.last ? { result: sp.last.result, message: sp.last.message ?? '' } : null,
        hints: [
          ...step.hints.slice(0, sp.hintsShown).map((h) => markdownInline(fillText(h, vars))),
          // The hint found on the cloud (a diff…) is a block of its own.
          ...(sp.foundHint ? [markdownToHtml(sp.foundHint)] : []),
        ],
        hintsLeft: Math.max(0, step.hints.length + (step.hintFrom ? 1 : 0) - sp.hintsShown),
      }
    }),
  )
  const current = steps.findIndex((s) => !s.done)
  return {
    id: f.id,
    title: f.title,
    summary: f.summary,
    minutes: f.minutes,
    started: p.started,
    deadline: p.deadline ?? null,
    current: current < 0 ? steps.length - 1 : current,
    points: steps.reduce((sum, s) => sum + (s.done && !s.solved ? s.points : 0), 0),
    maxPoints: steps.reduce((sum, s) => sum + s.points, 0),
    steps,
  }
}

/** A check's result for the page. */
export function resultView(r: StepResult): { status: string; message: string } {
  return { status: r.status, message: r.message ?? '' }
}

/** The trainer's grid of one lab, with the steps' titles. */
export function gridView(project: Project, classId: string, lab: Lab): ClassGrid & { titles: string[]; title: string } {
  return { ...classGrid(project, classId, lab), title: lab.file.title, titles: lab.file.steps.map((s) => s.title) }
}
