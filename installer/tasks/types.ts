// SPDX-License-Identifier: Apache-2.0
// A task is one idempotent step on one host: it looks, and changes only what
// differs. In check mode it looks and reports what it would change.
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
}

export interface Task {
  /** `role.step`, as the runner prints it and docs refer to it, e.g. `keystone.db-sync`. */
  id: string
  title: string
  apply(ctx: TaskContext): Promise<TaskResult>
}

/** A failed task: which host, which task, the command, and the tail of its stderr. */
export class TaskError extends Error {
  constructor(
    readonly host: string,
    readonly task: string,
    message: string,
    readonly command?: string,
    readonly exitCode?: number,
    readonly stderr?: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'TaskError'
  }
}

export const ok: TaskResult = { status: 'ok' }
export const changed = (detail?: string, diff?: string): TaskResult => ({ status: 'changed', ...(detail ? { detail } : {}), ...(diff ? { diff } : {}) })
