// SPDX-License-Identifier: Apache-2.0
// Errors the CLI maps to exit codes. User mistakes print a message, never a stack.

/** A command or option that a later part of Stackhouse builds. */
export class NotBuiltError extends Error {
  constructor(readonly what: string, readonly detail: string) {
    super(`${what} is not built yet: ${detail}`)
    this.name = 'NotBuiltError'
  }
}

/** A mistake in how a command was called (bad argument, file exists). */
export class UsageError extends Error {
  constructor(message: string, readonly fix?: string) {
    super(message)
    this.name = 'UsageError'
  }
}
