// SPDX-License-Identifier: Apache-2.0
// `stackhouse lab …`: one learner in one lab on a Stackhouse cloud (list, start,
// show, check, hint, solve, reset, status), a lab author's validate, and `test`,
// which proves a lab on the real cloud.
import { Command } from 'commander'
import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { openProject } from '../commands/open.ts'
import { FixableError, StackhouseError, UsageError } from '../errors.ts'
import { formatProblem } from '../inventory/problems.ts'
import { sanitizeMessage } from '../printable.ts'
import { Classroom, studentFile } from '../labs/classroom.ts'
import { maxStudents } from '../labs/context.ts'
import { checkLab, labDirs, labIds, labsDir, loadLab, loadLabs } from '../labs/load.ts'
import type { StepResult } from '../labs/lab-code.ts'
import { LabRunner } from '../labs/runner.ts'
import { testLab, type LabTestReport } from '../labs/self-test.ts'
import { defaultGuidePort, startLabGuide } from '../labs/guide/server.ts'
import { projectOptions, withProject, type ProjectFlags } from './_options.ts'
import { err, out, style } from './_style.ts'

interface LabFlags extends ProjectFlags {
  class: string
  student: string
  json?: boolean
}

/** A check that did not pass (exit 5), or could not run (exit 4). */
export class LabCheckFailed extends StackhouseError {
  constructor(message: string, kind: 'verify' | 'hosts') {
    super(message, { kind })
    this.name = 'LabCheckFailed'
  }
}

/** A shipped lab's folder, by id. */
export function shippedLabDir(id: string, alsoPaths = false): string {
  if (!labIds().includes(id))
    throw new UsageError(
      `no lab "${id.slice(0, 60)}"`,
      `labs: ${labIds().join(', ') || 'none'}${alsoPaths ? "; or give a lab folder's path" : ''}`,
    )
  return resolve(labsDir, id)
}

/** A lab by id (from labs/) or by folder path (a lab of the trainer's own). */
function labDir(arg: string): string {
  return arg.includes('/') || arg.startsWith('.') ? resolve(arg) : shippedLabDir(arg, true)
}

/** A student number or a class size given as `flag`: a whole number from 1 to the most a class holds. */
export function studentCount(value: string | undefined, flag: string): number {
  const n = Number(value)
  if (value === undefined || !/^\d{1,3}$/.test(value) || n < 1 || n > maxStudents)
    throw new UsageError(`${flag} ${String(value).slice(0, 20)}: expected a whole number from 1 to ${maxStudents}`)
  return n
}

/** Add the options every learner command has, and open its lab and runner. */
function learner(cmd: Command): Command {
  return withProject(cmd)
    .option('--class <name>', 'the class (lower-case letters and digits)', 'solo')
    .option('--student <n>', `the student's number in the class (1-${maxStudents})`, '1')
    .option('--json', 'print the result as JSON')
}

/** The learner's runner; only `start` makes a student who is not there yet. */
async function open(labArg: string, flags: LabFlags, create = false): Promise<LabRunner> {
  const lab = await loadLab(labDir(labArg))
  const project = openProject(projectOptions(flags))
  return new LabRunner(lab, new Classroom(project, flags.class), studentCount(flags.student, '--student'), { create })
}

const mark = (r: StepResult) =>
  r.status === 'pass'
    ? style.green('✔')
    : r.status === 'waiting'
      ? style.yellow('…')
      : r.status === 'error'
        ? style.red('!')
        : style.red('✖')

const list = new Command('list')
  .description('the labs that ship with Stackhouse')
  .option('--json', 'print them as JSON')
  .action(async (flags: { json?: boolean }) => {
    const labs = await loadLabs()
    const rows = labs.map((l) => ({
      id: l.file.id,
      title: l.file.title,
      minutes: l.file.minutes,
      steps: l.file.steps.length,
      needs: l.file.needs,
    }))
    if (flags.json) return out(JSON.stringify(rows, null, 2))
    for (const r of rows) out(`${r.id.padEnd(22)} ${r.title.padEnd(36)} ${String(r.minutes).padStart(3)} min  ${r.steps} steps`)
  })

const validate = new Command('validate')
  .description('check lab folders (lab.yaml and its checks): every problem with file:line:column and the fix')
  .argument('[labs...]', 'lab ids or folders (default: every lab in labs/)')
  .action(async (args: string[]) => {
    const dirs = args.length ? args.map(labDir) : labDirs()
    let bad = 0
    for (const dir of dirs) {
      const { lab, problems } = await checkLab(dir)
      for (const p of problems) err(formatProblem(p))
      if (!lab) bad++
      else out(`${style.green('✔')} ${lab.file.id}: ${lab.file.steps.length} steps`)
    }
    if (bad) throw new FixableError(`${bad} lab${bad > 1 ? 's have' : ' has'} errors`, { fix: 'fix each problem as it says' })
  })

const start = learner(
  new Command('start').description("start a lab: the student's project and login, the lab's setup, and the first step").argument('<lab>'),
).action(async (labArg: string, flags: LabFlags) => {
  const r = await open(labArg, flags, true)
  await r.start()
  const s = await r.student()
  const step = await r.current()
  if (flags.json)
    return out(
      JSON.stringify({ lab: r.lab.file.id, user: s.user.name, project: s.project.name, step: step.id, text: await r.text(step) }, null, 2),
    )
  out(style.bold(`${r.lab.file.title}`))
  out(`  log in as ${s.user.name}, project ${s.project.name}; the password is in ${studentFile(r.room.dir, s.tag)}`)
  out('')
  out(style.bold(`Step ${r.steps.indexOf(step) + 1} of ${r.steps.length}: ${step.title}`))
  out(await r.text(step))
})

const show = learner(
  new Command('show').description("a step's text (default: the first not done)").argument('<lab>').argument('[step]', 'step id or number'),
).action(async (labArg: string, stepArg: string | undefined, flags: LabFlags) => {
  const r = await open(labArg, flags)
  const step = stepArg === undefined ? await r.current() : r.step(stepArg)
  if (flags.json) return out(JSON.stringify({ step: step.id, title: step.title, text: await r.text(step) }, null, 2))
  out(style.bold(`Step ${r.steps.indexOf(step) + 1} of ${r.steps.length}: ${step.title}`))
  out(await r.text(step))
})

const check = learner(
  new Command('check')
    .description('check a step against the cloud (default: the first not done); exit 5 when not done yet')
    .argument('<lab>')
    .argument('[step]', 'step id or number'),
).action(async (labArg: string, stepArg: string | undefined, flags: LabFlags) => {
  const r = await open(labArg, flags)
  const { step, result } = await r.check(stepArg)
  if (flags.json) out(JSON.stringify({ step: step.id, ...result }, null, 2))
  else out(`${mark(result)} ${step.title}${result.message ? `: ${result.message}` : ''}`)
  if (result.status === 'error') throw new LabCheckFailed(`the check of ${step.id} could not run: ${result.message}`, 'hosts')
  if (result.status !== 'pass')
    throw new LabCheckFailed(`${step.id}: ${result.status === 'waiting' ? 'not ready yet' : 'not done yet'}`, 'verify')
})

const hint = learner(
  new Command('hint').description("the step's next hint, one at a time").argument('<lab>').argument('[step]', 'step id or number'),
).action(async (labArg: string, stepArg: string | undefined, flags: LabFlags) => {
  const r = await open(labArg, flags)
  const h = await r.hint(stepArg)
  if (flags.json) return out(JSON.stringify({ step: h.step.id, hint: h.hint ?? null, number: h.number, of: h.of }, null, 2))
  out(h.hint ? `${style.cyan(`hint ${h.number} of ${h.of}:`)} ${h.hint}` : style.dim(`no more hints for ${h.step.id} (${h.of} shown)`))
})

const solve = learner(
  new Command('solve')
    .description('solve a step, and every earlier step not done yet')
    .argument('<lab>')
    .argument('<step>', 'step id or number'),
).action(async (labArg: string, stepArg: string, flags: LabFlags) => {
  const r = await open(labArg, flags)
  const solved = await r.solve(stepArg)
  if (flags.json) return out(JSON.stringify({ solved }, null, 2))
  out(solved.length ? `${style.green('✔')} solved: ${solved.join(', ')}` : style.dim('nothing to solve: those steps pass'))
})

const reset = learner(new Command('reset').description("back to the start: the lab's cleanup, then its setup").argument('<lab>')).action(
  async (labArg: string, flags: LabFlags) => {
    const r = await open(labArg, flags)
    await r.reset()
    if (flags.json) return out(JSON.stringify({ reset: r.lab.file.id }, null, 2))
    out(`${style.green('✔')} ${r.lab.file.id} is back at step 1`)
  },
)

const status = learner(
  new Command('status').description('where the student stands: each step, done or not, and hints shown').argument('<lab>'),
).action(async (labArg: string, flags: LabFlags) => {
  const r = await open(labArg, flags)
  const p = r.progress()
  if (flags.json) return out(JSON.stringify(p, null, 2))
  if (!p.started) out(style.dim(`not started: stackhouse lab start ${r.lab.file.id}`))
  r.steps.forEach((s, i) => {
    const st = p.steps[i]!
    const m = st.done ? style.green('✔') : st.last ? mark({ status: st.last.result, message: '' } as StepResult) : ' '
    out(
      `${m} ${String(i + 1).padStart(2)} ${s.title.padEnd(36)} ${st.solved ? style.dim('solved') : ''}${st.hintsShown ? style.dim(` ${st.hintsShown} hint(s)`) : ''}`,
    )
  })
})

const test = withProject(
  new Command('test')
    .description('prove labs on this cloud: per step, the check fails, the solve, the check passes; the cleanup leaves nothing')
    .argument('[labs...]', 'lab ids or folders (default: every lab)'),
)
  .option('--json', 'print the reports as JSON')
  .option('--student <n>', "the test student's number (labs whose faults or names vary by number)", '1')
  .action(async (args: string[], flags: ProjectFlags & { json?: boolean; student: string }) => {
    const student = studentCount(flags.student, '--student')
    const dirs = args.length ? args.map(labDir) : labDirs()
    const labs = await Promise.all(dirs.map((d) => loadLab(d)))
    const project = openProject(projectOptions(flags))
    const reports: LabTestReport[] = []
    for (const lab of labs) {
      if (!flags.json) out(style.bold(lab.file.id))
      const r = await testLab(project, lab, {
        student,
        onStep: (s) =>
          flags.json ||
          out(
            `  ${mark(s.after ?? s.before)} ${s.id.padEnd(24)} ${`${s.seconds.toFixed(1)}s`.padStart(7)}  ${sanitizeMessage((s.after ?? s.before).message ?? '')}`,
          ),
      })
      reports.push(r)
      if (!flags.json)
        out(r.ok ? `  ${style.green('✔')} passed in ${r.seconds.toFixed(0)} s` : `  ${style.red('✖')} ${sanitizeMessage(r.problem ?? '')}`)
    }
    if (flags.json) out(JSON.stringify(reports, null, 2))
    // Asked for every lab, those this cloud cannot run are skipped; asked for by name, they fail.
    const failed = reports.filter((r) => !r.ok && !(r.skipped && !args.length))
    if (failed.length) throw new LabCheckFailed(`lab test failed: ${failed.map((r) => r.lab).join(', ')}`, 'verify')
  })

const serve = withProject(
  new Command('serve').description(
    "the lab guide in the browser: students log in with their lab user, trainers with the cloud's admin; runs until stopped",
  ),
)
  .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', '127.0.0.1')
  .option('--port <n>', 'port to listen on', String(defaultGuidePort))
  .option('--no-tls', "plain http even when the cloud's endpoints are https (its certificate is used otherwise)")
  .action(async (flags: ProjectFlags & { host: string; port: string; tls: boolean }) => {
    const port = Number(flags.port)
    if (!/^\d{1,5}$/.test(flags.port) || port < 1 || port > 65535)
      throw new UsageError(`--port ${flags.port.slice(0, 20)}: expected a port number from 1 to 65535`)
    if (!isIP(flags.host)) throw new UsageError(`--host ${flags.host.slice(0, 60)}: expected an IP address, e.g. 0.0.0.0`)
    const project = openProject(projectOptions(flags))
    const pem = flags.tls ? project.model.tls.pem : undefined
    const guide = await startLabGuide({
      project,
      labs: await loadLabs(),
      host: flags.host,
      port,
      log: (l) => err(sanitizeMessage(l)),
      ...(pem ? { tls: { cert: pem.cert, key: pem.key } } : {}),
    })
    out(`lab guide: ${guide.url} (students: their lab user; trainer: the cloud's admin)`)
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void guide.close().then(resolve))
    })
  })

export const labCommand = new Command('lab')
  .description('guided labs on this cloud: list, start, show, check, hint, solve, reset, status, validate, test, serve')
  .addCommand(list)
  .addCommand(start)
  .addCommand(show)
  .addCommand(check)
  .addCommand(hint)
  .addCommand(solve)
  .addCommand(reset)
  .addCommand(status)
  .addCommand(validate)
  .addCommand(test)
  .addCommand(serve)
