// SPDX-License-Identifier: Apache-2.0
// A task is one idempotent step on one host: it looks, and changes only what
// differs. In check mode it looks and reports what it would change.
import { StackhouseError } from '../errors.ts'
import type { ModelHost } from '../model/types.ts'
import type { Transport } from '../transport/types.ts'

export interface TaskResult {
  status: 'ok' | 'changed'
  /** One line on what changed (or would change), for the summary. */
  detail?: string
  /** Unified diff of a file change, shown by --check. */
  diff?: string
}

export interface TaskContext {
  transport: Transport
  host: ModelHost
  /** Look only: change nothing, report what would change. */
  check: boolean
  /** Paths written (or, under --check, that would be) on this host during this run; services restart when theirs are among them. */
  changedFiles: Set<string>
  /** Write a line to the host's log (secrets are redacted by the logger). */
  log(line: string): void
  /** The text with every secret value replaced by its name, as logs and reports show it. */
  redact(text: string): string
  /**
   * The state of the files this host's tasks of the phase manage, read in one round trip
   * before they ran (null: no such file). Valid only until a task changes something.
   */
  fileStates?: ReadonlyMap<string, FileState | null>
  /** Likewise for units: what `systemctl is-enabled` and `is-active` said. */
  unitStates?: ReadonlyMap<string, UnitState>
  /** Time as waits and retries see it (installer/tasks/command.ts); tests pass one that does not wait. @default the real clock */
  clock?: Clock
  /**
   * Resolves when the phases named have finished on every host (at once for a phase not
   * in the run); rejects when any phase of the run failed. The runner provides it.
   */
  phasesDone?(ids: readonly string[]): Promise<void>
  /** Files hosts of this phase hand to each other (installer/runner/exchange.ts). The runner provides it. */
  exchange?: FileExchange
}

/** A file as one host hands it to others: its content (base64), SHA-256, octal mode, owner and group. */
export interface SharedFile {
  path: string
  base64: string
  hash: string
  mode: string
  owner: string
  group: string
}

/** What a phase's hosts hand to each other, by key (a step's id). */
export interface FileExchange {
  /** The files under `key`, for the hosts that take them. */
  offer(key: string, files: SharedFile[]): void
  /** The files `from` offers under `key`; undefined when `from` is not in the run; rejects when it ends without offering. */
  take(key: string, from: string): Promise<SharedFile[] | undefined>
}

/** Milliseconds since the epoch, and a pause. */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export interface UnitState {
  /** enabled, disabled, static… or empty when no such unit is installed. */
  enabled: string
  /** active, inactive, failed, activating… */
  active: string
}

/** A file on a host: its content's SHA-256, octal mode, owner and group. */
export interface FileState {
  hash: string
  mode: string
  owner: string
  group: string
}

export interface Task {
  /** `role.step`, as the runner prints it and docs refer to it, e.g. `keystone.db-sync`. */
  id: string
  title: string
  /** The file the task manages: the runner reads the state of a phase's files in one round trip. */
  filePath?: string
  /** The unit the task manages, likewise. */
  unit?: string
  apply(ctx: TaskContext): Promise<TaskResult>
}

/** What a failed task was doing: where, which task, and the command's outcome. */
export interface TaskErrorOptions {
  host: string
  task: string
  /** The command that failed, as run. */
  command?: string
  exitCode?: number
  /** The last lines of its output. */
  stderr?: string
  cause?: unknown
}

/** A failed task: which host, which task, the command, and the tail of its stderr. A host error (exit 4). */
export class TaskError extends StackhouseError {
  declare readonly host: string
  declare readonly task: string
  readonly command?: string
  readonly exitCode?: number
  readonly stderr?: string

  constructor(message: string, opts: TaskErrorOptions) {
    const { command, exitCode, stderr, ...context } = opts
    super(message, { ...context, kind: 'hosts' })
    this.name = 'TaskError'
    if (command !== undefined) this.command = command
    if (exitCode !== undefined) this.exitCode = exitCode
    if (stderr !== undefined) this.stderr = stderr
  }
}

export const ok: TaskResult = { status: 'ok' }
export const changed = (detail?: string, diff?: string): TaskResult => ({
  status: 'changed',
  ...(detail ? { detail } : {}),
  ...(diff ? { diff } : {}),
})

/** A deploy phase (`prepare`, the libraries, a role's packages, a role, post-deploy): each host's tasks, run in order; hosts in parallel. */
export interface Phase {
  /** `prepare`, `libraries.packages`, `<role>.packages`, a role name, or `post-deploy`. */
  id: string
  title: string
  hosts: { host: ModelHost; tasks: Task[] }[]
  /**
   * Phases that must have finished on every host before this one starts; phases
   * whose needs are met run at the same time. Ids not in the run are ignored.
   * @default [] (prepare: none; a role: what it needs)
   */
  needs?: readonly string[]
  /** Phases a task of this one waits for part-way (a role's `unitsNeed`): edges of the graph too. @default [] */
  waits?: readonly string[]
}
