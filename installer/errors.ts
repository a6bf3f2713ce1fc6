// SPDX-License-Identifier: Apache-2.0
// Errors the CLI maps to exit codes. User mistakes print a message, never a stack.

/** A mistake in how a command was called (bad argument, file exists). */
export class UsageError extends Error {
  constructor(message: string, readonly fix?: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** An error about this machine's own tools (sandbox, image builder) that says what to do. */
export class FixableError extends Error {
  readonly fix?: string
  constructor(message: string, opts: { fix?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'FixableError'
    if (opts.fix) this.fix = opts.fix
  }
}
