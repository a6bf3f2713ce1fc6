// SPDX-License-Identifier: Apache-2.0
// The one error the sandbox throws: what went wrong, what to do, and the cause.

/** A sandbox operation failed; `fix` says what the operator can do about it. */
export class SandboxError extends Error {
  readonly fix?: string
  constructor(message: string, opts: { fix?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'SandboxError'
    if (opts.fix) this.fix = opts.fix
  }
}
