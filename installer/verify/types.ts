// SPDX-License-Identifier: Apache-2.0
// What verify reports: one result per check, pass/fail/skip with its time, and
// on failure what is wrong and where to look (service, host, log file).
import { StackhouseError } from '../errors.ts'

/** Where to look when a check fails. */
export interface Hint {
  /** The service (unit) most likely at fault, e.g. `nova-compute`. */
  service: string
  /** `name (address)` of the host it runs on. */
  host?: string
  /** Its log file on that host (Debian's paths), or the command that shows it. */
  log?: string
  /** What to try, when there is something more specific than reading the log. */
  fix?: string
}

export interface CheckResult {
  id: string
  name: string
  status: 'pass' | 'fail' | 'skip'
  seconds: number
  /** On pass: what was seen; on fail: what is wrong; on skip: why. */
  message: string
  hint?: Hint
}

export interface VerifyReport {
  /** True when no check failed (skipped ones do not count). */
  ok: boolean
  checks: CheckResult[]
  seconds: number
  /** What --keep left in the cloud, for the operator to look at and delete. */
  kept: string[]
}

/**
 * A check's failure with its hint; other errors are reported with the check's default hint.
 * The verify runner turns it into a failed CheckResult, so it never reaches the CLI itself;
 * it is a verify error (exit 5) for a caller that runs a check on its own.
 */
export class CheckFailure extends StackhouseError {
  constructor(
    message: string,
    readonly hint?: Hint,
    options?: ErrorOptions,
  ) {
    super(message, { kind: 'verify', ...(hint?.fix ? { fix: hint.fix } : {}), cause: options?.cause })
    this.name = 'CheckFailure'
  }
}

/**
 * A check that did not run because of another's failure, or because the cloud has no such service.
 * NOTE: not a StackhouseError on purpose: it is a signal inside verify, not a failure;
 * the verify runner catches it and records a skip. If one ever escaped, that is a bug (exit 70).
 */
export class CheckSkipped extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CheckSkipped'
  }
}
