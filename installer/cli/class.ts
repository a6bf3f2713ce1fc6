// SPDX-License-Identifier: Apache-2.0
// `stackhouse class …`: a trainer's view of a class on this cloud: create it (with a
// credentials sheet), the students × steps grid of a lab, solve or reset a step for
// a student (or reset the whole class), and remove it.
import { Command } from 'commander'
import { UsageError } from '../errors.ts'
import { openProject } from '../commands/open.ts'
import { classGrid, classStudents, createClass, extendTime, removeClass, setTimeLimit } from '../labs/class.ts'
import { Classroom } from '../labs/classroom.ts'
import { maxStudents } from '../labs/context.ts'
import { loadLab, loadLabs } from '../labs/load.ts'
import { LabRunner } from '../labs/runner.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'
import { shippedLabDir, studentCount } from './lab.ts'
import { out, style } from './_style.ts'

interface Flags extends ProjectFlags {
  json?: boolean
  students?: string
  student?: string
}

async function lab(id: string) {
  return loadLab(shippedLabDir(id))
}

const create = withProject(
  new Command('create').description('make a class: a project and a user per student, with quotas, and a credentials sheet (mode 0600)'),
)
  .argument('<class>', 'the class name: 1-12 lower-case letters and digits')
  .requiredOption('--students <n>', `how many students (1-${maxStudents})`)
  .option('--json', 'print the result as JSON (no passwords: they are in the sheet)')
  .action(async (classId: string, flags: Flags) => {
    const sheet = await createClass(openProject(projectOptions(flags)), classId, studentCount(flags.students, '--students'))
    if (flags.json) return out(JSON.stringify(sheet, null, 2))
    out(`${style.green('✔')} class ${classId}: ${sheet.students.length} students in ${sheet.seconds.toFixed(1)} s`)
    out(`  credentials sheet: ${sheet.file}`)
  })

const mark = (s: { done: boolean; solved: boolean; last?: { result: string } }) =>
  s.done
    ? s.solved
      ? style.yellow('S')
      : style.green('✔')
    : s.last
      ? s.last.result === 'waiting'
        ? style.yellow('…')
        : style.red('✖')
      : style.dim('·')

const status = withProject(new Command('status').description("the class's grid for a lab: a row per student, a column per step"))
  .argument('<class>')
  .argument('<lab>')
  .option('--json', 'print the grid as JSON')
  .action(async (classId: string, labId: string, flags: Flags) => {
    const grid = classGrid(openProject(projectOptions(flags)), classId, await lab(labId))
    if (flags.json) return out(JSON.stringify(grid, null, 2))
    out(`${'student'.padEnd(22)} ${grid.steps.map((s, i) => String(i + 1).padStart(2)).join(' ')}  done  points`)
    for (const s of grid.students)
      out(
        `${s.name.padEnd(22)} ${s.steps.map((st) => ` ${mark(st)}`).join(' ')}  ${`${s.done}/${grid.steps.length}`.padStart(4)}  ${String(s.points).padStart(6)}${s.started ? '' : style.dim('  not started')}${s.deadline ? `  ${timeLeft(s.deadline)}` : ''}`,
      )
    out(style.dim(`✔ done  S solved by the trainer  ✖ last check failed  … building  · not checked yet; steps: ${grid.steps.join(', ')}`))
  })

/** "12 min left" or "time is up", for a deadline. */
function timeLeft(deadline: string): string {
  const min = Math.ceil((Date.parse(deadline) - Date.now()) / 60_000)
  return min > 0 ? `${min} min left` : style.red('time is up')
}

const solve = withProject(new Command('solve').description('solve a step (and the earlier ones not done) for one student'))
  .argument('<class>')
  .argument('<lab>')
  .argument('<step>', 'step id or number')
  .requiredOption('--student <n>', 'the student')
  .action(async (classId: string, labId: string, step: string, flags: Flags) => {
    const r = new LabRunner(
      await lab(labId),
      new Classroom(openProject(projectOptions(flags)), classId),
      studentCount(flags.student, '--student'),
      { create: false },
    )
    const solved = await r.solve(step)
    out(
      solved.length
        ? `${style.green('✔')} solved for student ${flags.student}: ${solved.join(', ')}`
        : style.dim('nothing to solve: those steps pass'),
    )
  })

const reset = withProject(new Command('reset').description('reset a lab for one student, or for every student of the class'))
  .argument('<class>')
  .argument('<lab>')
  .option('--student <n>', 'only this student')
  .action(async (classId: string, labId: string, flags: Flags) => {
    const project = openProject(projectOptions(flags))
    const room = new Classroom(project, classId)
    const l = await lab(labId)
    // The whole class: those who started the lab (a reset of one never started would start it).
    const numbers = flags.student
      ? [studentCount(flags.student, '--student')]
      : classStudents(project, classId).filter((n) => new LabRunner(l, room, n, { create: false }).progress().started)
    for (const n of numbers) await new LabRunner(l, room, n, { create: false }).reset()
    out(`${style.green('✔')} ${labId} reset for ${numbers.length} student(s)`)
  })

/** --minutes: a whole number of minutes. */
function minutesOf(value: string | undefined): number {
  if (value === undefined || !/^\d{1,4}$/.test(value))
    throw new UsageError(`--minutes ${String(value).slice(0, 20)}: expected a whole number`)
  return Number(value)
}

const time = withProject(
  new Command('time').description(
    "a time limit for a lab: each student's clock starts when they start (or are reset); checks and hints stop when it runs out",
  ),
)
  .argument('<class>')
  .argument('<lab>')
  .requiredOption('--minutes <n>', 'minutes per student; 0 takes the limit away')
  .action(async (classId: string, labId: string, flags: Flags & { minutes?: string }) => {
    setTimeLimit(openProject(projectOptions(flags)), classId, await lab(labId), minutesOf(flags.minutes))
    out(
      `${style.green('✔')} ${labId} in class ${classId}: ${flags.minutes === '0' ? 'no time limit' : `${Number(flags.minutes)} minutes per student`}`,
    )
  })

const extend = withProject(new Command('extend').description('more time in a lab, for one student or for the whole class'))
  .argument('<class>')
  .argument('<lab>')
  .requiredOption('--minutes <n>', 'minutes to add')
  .option('--student <n>', 'only this student')
  .action(async (classId: string, labId: string, flags: Flags & { minutes?: string }) => {
    const student = flags.student === undefined ? undefined : studentCount(flags.student, '--student')
    extendTime(openProject(projectOptions(flags)), classId, await lab(labId), minutesOf(flags.minutes), student)
    out(
      `${style.green('✔')} ${Number(flags.minutes)} more minutes in ${labId} for ${student === undefined ? 'every student' : `student ${student}`}`,
    )
  })

const remove = withProject(
  new Command('remove').description("remove the class: every lab's cleanup for each student, then their projects and users"),
)
  .argument('<class>')
  .action(async (classId: string, flags: Flags) => {
    const labs = await loadLabs()
    const n = await removeClass(openProject(projectOptions(flags)), classId, labs)
    out(`${style.green('✔')} class ${classId} removed (${n} students)`)
  })

export const classCommand = new Command('class')
  .description('a class of students for the labs: create, status (the grid), solve, reset, time, extend, remove')
  .addCommand(create)
  .addCommand(status)
  .addCommand(solve)
  .addCommand(reset)
  .addCommand(time)
  .addCommand(extend)
  .addCommand(remove)
