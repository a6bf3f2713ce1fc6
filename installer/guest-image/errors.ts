// SPDX-License-Identifier: Apache-2.0
// The one error the guest-image build throws: what went wrong, what to do, and the cause.

/** Building the test guest image failed; `fix` says what the operator can do about it. */
export class GuestImageError extends Error {
  readonly fix?: string
  constructor(message: string, opts: { fix?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'GuestImageError'
    if (opts.fix) this.fix = opts.fix
  }
}
