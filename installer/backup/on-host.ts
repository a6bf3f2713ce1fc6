// SPDX-License-Identifier: Apache-2.0
// The host side of backup and restore: a command that must succeed, and a private
// temporary folder for files on their way between this machine and a host.
import { UsageError } from '../errors.ts'
import { shellQuote } from '../shell.ts'
import type { Transport } from '../transport/types.ts'

/** Run `command` with bash's strict mode; a failure names the host, what failed and its last lines (of stdout when stderr has none). */
export async function mustRun(t: Transport, what: string, command: string, fix: string): Promise<void> {
  const r = await t.exec(`set -euo pipefail\n${command}`)
  const said = r.stderr.trim() || r.stdout.trim()
  if (r.code !== 0) throw new UsageError(`${t.host}: ${what} failed (exit ${r.code}): ${said.split('\n').slice(-3).join(' ')}`, fix)
}

/** `fn` with a folder on the host only root enters (under /var/tmp), removed after whatever happens. */
export async function withHostTempDir<T>(t: Transport, fn: (dir: string) => Promise<T>): Promise<T> {
  const r = await t.exec('umask 077 && mktemp -d /var/tmp/stackhouse-backup.XXXXXX')
  const dir = r.stdout.trim()
  if (r.code !== 0 || !dir.startsWith('/var/tmp/stackhouse-backup.'))
    throw new UsageError(`${t.host}: cannot make a temporary folder in /var/tmp: ${r.stderr.trim()}`, "check the host's free disk space")
  try {
    return await fn(dir)
  } finally {
    await t.exec(`rm -rf -- ${shellQuote(dir)}`).catch(() => undefined)
  }
}
