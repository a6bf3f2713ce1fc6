// SPDX-License-Identifier: Apache-2.0
// The one error family. Every error Stackhouse throws on purpose is a
// StackhouseError with a kind; the CLI turns the kind into its exit code through
// one table (cli/_exit-codes.ts). Anything else that reaches the CLI is a bug.

/**
 * What went wrong, as the operator sees it; each kind is one exit code.
 * - `input`: the inventory, an override, the secrets file or another file the operator gave (exit 1)
 * - `usage`: how the command was called: an argument, an option, a file in the way (exit 2)
 * - `hosts`: a host, or the cloud's API on it, failed or could not be reached (exit 4)
 * - `verify`: a verify check failed (exit 5)
 * - `unhealthy`: the cloud is not healthy (exit 6)
 * - `internal`: a bug in Stackhouse that was caught and named (exit 70)
 */
export const errorKinds = ['input', 'usage', 'hosts', 'verify', 'unhealthy', 'internal'] as const

/** One of {@link errorKinds}. */
export type ErrorKind = (typeof errorKinds)[number]

/** Where an error happened and what to do about it; every field is optional. */
export interface ErrorContext {
  /** The host it happened on, by inventory name. */
  host?: string
  /** The role, e.g. `keystone`. */
  role?: string
  /** The task id as the runner prints it, e.g. `keystone.db-sync`. */
  task?: string
  /** The file it is about, as the operator named it or as shipped (a template). */
  file?: string
  /** The line in `file` (1-based). */
  line?: number
  /** What the operator can do about it, one line. */
  fix?: string
}

/** A StackhouseError's kind and context, and the standard `cause`. */
export interface StackhouseErrorOptions extends ErrorContext {
  kind: ErrorKind
  cause?: unknown
}

const contextKeys = ['host', 'role', 'task', 'file', 'line', 'fix'] as const

/**
 * The base of every error Stackhouse throws on purpose. The message says what
 * went wrong; `fix` says what to do; the cause, when there is one, stays in
 * `cause` and is never pasted into the message.
 */
export class StackhouseError extends Error {
  readonly kind: ErrorKind
  // NOTE: `declare`, so that a field left unset is absent rather than an own
  // `undefined` (class fields are defined even without a value at ES2022).
  declare readonly host?: string
  declare readonly role?: string
  declare readonly task?: string
  declare readonly file?: string
  declare readonly line?: number
  declare readonly fix?: string

  constructor(message: string, opts: StackhouseErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'StackhouseError'
    this.kind = opts.kind
    const self = this as Record<(typeof contextKeys)[number], unknown>
    for (const k of contextKeys) if (opts[k] !== undefined && opts[k] !== '') self[k] = opts[k]
  }
}

/** Options of the subclasses whose kind is fixed by the class. */
export type ErrorOptionsOf<K extends ErrorKind = ErrorKind> = Omit<StackhouseErrorOptions, 'kind'> & { kind?: K }

/** A mistake in how a command was called (bad argument, file exists). Exit 2. */
export class UsageError extends StackhouseError {
  constructor(message: string, fix?: string, opts: ErrorOptionsOf<'usage'> = {}) {
    super(message, { ...opts, ...(fix ? { fix } : {}), kind: 'usage' })
    this.name = 'UsageError'
  }
}

/**
 * An error that says what to do: about this machine's own tools (sandbox, image
 * builder) or a value rendering needs. An input error (exit 1) unless `kind` says otherwise.
 */
export class FixableError extends StackhouseError {
  constructor(message: string, opts: ErrorOptionsOf = {}) {
    super(message, { ...opts, kind: opts.kind ?? 'input' })
    this.name = 'FixableError'
  }
}
