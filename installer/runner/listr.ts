// SPDX-License-Identifier: Apache-2.0
// The only module that imports listr2: phases as a dependency graph, the hosts of
// a phase in parallel, the tasks of a host in order, with a live view of what runs where.
import { Listr, type ListrTask } from 'listr2'
import type { Phase } from '../tasks/types.ts'
import type { Transport } from '../transport/types.ts'
import { TaskError, type TaskResult } from '../tasks/types.ts'
import type { HostLog } from './log.ts'
import { readPhaseStates } from './_states.ts'
import { RunExchange } from './exchange.ts'

export interface TaskOutcome {
  phase: string
  host: string
  task: string
  title: string
  result: TaskResult
}

export interface RunState {
  outcomes: TaskOutcome[]
  /**
   * Files written per host during the whole run: a service of a later role restarts
   * when a shared file it reads (e.g. /etc/hosts) changed in an earlier phase.
   */
  changedFiles: Map<string, Set<string>>
  failures: { phase: string; host: string; error: TaskError }[]
  started: Map<string, number>
  finished: Map<string, number>
}

/** What a run reports as it goes (`deploy --json` prints one per line). */
export type ProgressEvent =
  | { type: 'phase'; phase: string; title: string }
  | { type: 'task'; phase: string; host: string; task: string; title: string }
  | { type: 'result'; phase: string; host: string; task: string; status: TaskResult['status']; detail?: string; ms: number }
  | { type: 'failed'; phase: string; host: string; task: string; message: string }
  /** A command a task ran, or its output, secrets replaced by their names (with `verbose`). */
  | { type: 'log'; host: string; line: string }

export interface ListrOptions {
  check: boolean
  /** Live view on a TTY; plain lines elsewhere (CI, the appliance's first boot); nothing in tests. */
  renderer: 'default' | 'simple' | 'silent'
  onEvent?: (e: ProgressEvent) => void
}

type Ctx = RunState
/** What a task waits on to start its role's units: the end of other phases (TaskContext.phasesDone). */
type PhasesDone = (ids: readonly string[]) => Promise<void>
/** The run's options, with what tasks wait for. */
type RunOptions = ListrOptions & { phasesDone: PhasesDone; exchange: RunExchange }
type RunTask = ListrTask<Ctx>

/** A phase's end, which the phases that need it wait for. */
interface Done {
  promise: Promise<void>
  resolve(): void
}

function deferred(): Done {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

/**
 * Phases as a dependency graph: each starts when the phases it needs have finished,
 * so roles that do not depend on each other configure at the same time (most of a
 * role's time is spent waiting on I/O and on services starting). The hosts of a
 * phase run in parallel, the tasks of a host in order. After a failure no phase starts.
 */
export async function runWithListr(
  phases: Phase[],
  transports: Map<string, Transport>,
  logs: Map<string, HostLog>,
  opts: ListrOptions,
): Promise<RunState> {
  const state: RunState = { outcomes: [], changedFiles: new Map(), failures: [], started: new Map(), finished: new Map() }
  const done = new Map(phases.map((p) => [p.id, deferred()]))
  const phasesDone: PhasesDone = async (ids) => {
    await Promise.all(ids.map((id) => done.get(id)?.promise))
    const failed = [...new Set(state.failures.map((f) => f.phase))]
    if (failed.length) throw new Error(`not going on: phase ${failed.join(', ')} failed`)
  }
  const exchange = new RunExchange((id) => phases.find((p) => p.id === id)?.hosts.map((h) => h.host.name))
  const list = new Listr<Ctx>(
    phases.map((p) => phaseTask(p, done, transports, logs, { ...opts, phasesDone, exchange })),
    {
      concurrent: true,
      exitOnError: false,
      renderer: opts.renderer,
      fallbackRenderer: 'simple',
      // A finished phase folds to one line; the live tree shows the phases that run, their hosts and their current task.
      rendererOptions: { collapseSubtasks: true },
    } as never,
  )
  try {
    await list.run(state)
  } catch {
    // Failures are recorded in state; listr only stops the later phases.
  }
  return state
}

function phaseTask(
  phase: Phase,
  done: Map<string, Done>,
  transports: Map<string, Transport>,
  logs: Map<string, HostLog>,
  opts: RunOptions,
): RunTask {
  const finished = done.get(phase.id)!
  const needs = (phase.needs ?? []).filter((id) => id !== phase.id && done.has(id))
  return {
    title: `${phase.id}${phase.title ? ` — ${phase.title}` : ''}`,
    // NOTE: the hosts' list is returned, not run here: listr2 then draws it inside this
    // phase's row, instead of starting a second renderer that stacks a new copy of the
    // whole tree on the terminal at every refresh.
    task: async (state, task) => {
      if (needs.length) {
        if (opts.renderer === 'default') task.output = `waiting for ${needs.join(', ')}`
        await Promise.all(needs.map((id) => done.get(id)!.promise))
      }
      // Hosts of a phase all finish (one failure does not cut the others short); no later phase starts.
      if (state.failures.length) {
        finished.resolve()
        return task.skip('skipped: an earlier phase failed')
      }
      opts.onEvent?.({ type: 'phase', phase: phase.id, title: phase.title ?? '' })
      let running = phase.hosts.length
      const end = () => --running === 0 && finished.resolve()
      if (!running) finished.resolve()
      return task.newListr(
        phase.hosts.map((h) => hostTask(phase.id, h, transports, logs, opts, end)),
        { concurrent: true, exitOnError: false },
      )
    },
  }
}

function hostTask(
  phase: string,
  entry: Phase['hosts'][number],
  transports: Map<string, Transport>,
  logs: Map<string, HostLog>,
  opts: RunOptions,
  end: () => void,
): RunTask {
  const host = entry.host.name
  return {
    title: host,
    task: async (state, task) => {
      try {
        task.title = await runHost(phase, entry, state, transports.get(host)!, logs.get(host)!, opts, (line) => (task.output = line))
      } finally {
        opts.exchange.hostEnded(phase, host)
        end()
      }
    },
  }
}

/** The host's tasks of one phase, in order; returns the row's title (what changed). Throws at the first failure. */
async function runHost(
  phase: string,
  entry: Phase['hosts'][number],
  state: RunState,
  transport: Transport,
  log: HostLog,
  opts: RunOptions,
  show: (line: string) => void,
): Promise<string> {
  const host = entry.host.name
  const changedFiles = state.changedFiles.get(host) ?? new Set<string>()
  state.changedFiles.set(host, changedFiles)
  let counts = { ok: 0, changed: 0 }
  if (!state.started.has(host)) state.started.set(host, Date.now())
  let { fileStates, unitStates } = await readPhaseStates(entry.tasks, transport, log)
  for (const t of entry.tasks) {
    // Only the live view shows the task that runs; piped output keeps to results.
    if (opts.renderer === 'default') show(`${t.id}: ${t.title}`)
    log.write(`[${phase}] ${t.id}: ${t.title}`)
    opts.onEvent?.({ type: 'task', phase, host, task: t.id, title: t.title })
    const began = Date.now()
    try {
      const result = await t.apply({
        transport: transport,
        phasesDone: opts.phasesDone,
        exchange: opts.exchange.forPhase(phase),
        host: entry.host,
        check: opts.check,
        changedFiles,
        log: (l) => log.write(l),
        redact: log.redact,
        ...(fileStates ? { fileStates } : {}),
        ...(unitStates ? { unitStates } : {}),
      })
      // A change may touch files or units read before it (a step, a package): from then on each task looks itself.
      if (result.status === 'changed' && !opts.check) [fileStates, unitStates] = [undefined, undefined]
      state.outcomes.push({ phase, host, task: t.id, title: t.title, result })
      counts = { ...counts, [result.status]: counts[result.status] + 1 }
      log.write(`[${phase}] ${t.id}: ${result.status}${result.detail ? ` (${result.detail})` : ''}`)
      opts.onEvent?.({
        type: 'result',
        phase,
        host,
        task: t.id,
        status: result.status,
        ...(result.detail ? { detail: log.redact(result.detail) } : {}),
        ms: Date.now() - began,
      })
    } catch (e) {
      const error = e instanceof TaskError ? e : new TaskError(e instanceof Error ? e.message : String(e), { host, task: t.id, cause: e })
      log.write(`[${phase}] ${t.id}: FAILED ${error.message}${error.stderr ? `\n${error.stderr}` : ''}`)
      state.failures.push({ phase, host, error })
      opts.onEvent?.({ type: 'failed', phase, host, task: t.id, message: log.redact(error.message) })
      state.finished.set(host, Math.max(state.finished.get(host) ?? 0, Date.now()))
      throw new Error(`${t.id} failed: ${error.message}`)
    }
  }
  state.finished.set(host, Date.now())
  return `${host}: ${counts.changed ? `${counts.changed} changed, ` : ''}${counts.ok} ok`
}
