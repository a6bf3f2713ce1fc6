// SPDX-License-Identifier: Apache-2.0
// The CLI's exit codes, in one table that main() and the commands share: every
// error kind's code, and 3 for deploy --check's "changes are pending", which is
// an outcome, not an error. A new error kind without a code here does not compile.
import type { ErrorKind } from '../errors.ts'

/** 1 a problem in the user's input, 2 bad usage, 3 deploy --check found changes to make, 4 a host failed or could not be reached, 5 a verify check failed, 6 status: not healthy, 70 a bug in Stackhouse. */
export const exitCodes = { input: 1, usage: 2, pending: 3, hosts: 4, verify: 5, unhealthy: 6, internal: 70 } as const satisfies Record<
  ErrorKind,
  number
> & { pending: number }
