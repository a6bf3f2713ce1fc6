// SPDX-License-Identifier: Apache-2.0
// The one error the guest image builder throws: what went wrong, what to do, and the cause.
import { FixableError } from '../errors.ts'

/** Building or booting the guest image failed; `fix` says what the operator can do about it. */
export class GuestImageError extends FixableError {
  constructor(message: string, opts: { fix?: string; cause?: unknown } = {}) {
    super(message, opts)
    this.name = 'GuestImageError'
  }
}
