// SPDX-License-Identifier: Apache-2.0
// The one error the sandbox throws: what went wrong, what to do, and the cause.
import { FixableError } from '../errors.ts'

/** A sandbox operation failed; `fix` says what the operator can do about it. */
export class SandboxError extends FixableError {
  constructor(message: string, opts: { fix?: string; cause?: unknown } = {}) {
    super(message, opts)
    this.name = 'SandboxError'
  }
}
