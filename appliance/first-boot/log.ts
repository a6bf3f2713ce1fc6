// SPDX-License-Identifier: Apache-2.0
// The appliance's log: first boot's, and every later boot's.
import { appendFileSync, mkdirSync } from 'node:fs'
import { applianceFiles } from './files.ts'

/** A line in the appliance's log (first boot, and every boot after) and on standard output (the journal). */
export function log(line: string, opts: { echo?: boolean } = {}): void {
  mkdirSync('/var/log/stackhouse', { recursive: true, mode: 0o700 })
  appendFileSync(applianceFiles.log, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 })
  // Commands a person runs (reconfigure, repair) keep their output for themselves (--json).
  if (opts.echo !== false) process.stdout.write(`${line}\n`)
}
