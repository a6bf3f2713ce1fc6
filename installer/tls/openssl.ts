// SPDX-License-Identifier: Apache-2.0
// Debian's `openssl`, run in a private folder inside the TLS folder from configuration
// files written there (no value on a command line); a new key and certificate are
// moved into place only when both are made.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { FixableError } from '../errors.ts'
import { mkdirPrivate } from '../private-dir.ts'

/** A value for an OpenSSL distinguished name: printable, no characters its config syntax reads. */
export function distinguished(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._-]/g, '-').slice(0, 64)
}

/** openssl options for a new key: EC P-256, not encrypted (the folder is private). */
export const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc']

/** Run openssl in `cwd`; its own words when it fails. Synchronous: a key and a certificate take some 20 ms. */
export function openssl(cwd: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer }
    if (err.code === 'ENOENT')
      throw new FixableError('making TLS certificates needs openssl, which is not installed', { fix: 'apt-get install openssl' })
    throw new FixableError(`openssl ${args[0]} failed: ${(err.stderr?.toString() ?? err.message).trim().split('\n').slice(-2).join(' ')}`, {
      fix: 'this is unexpected: report it with the message',
      kind: 'internal',
    })
  }
}

/** Work in a private folder inside `dir` (same file system: the results are renamed into place), removed after. */
export function inPrivateFolder(dir: string, work: (tmp: string) => void): void {
  mkdirPrivate(dir)
  const tmp = mkdtempSync(join(dir, '.new-'))
  try {
    work(tmp)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

/** Move a new pair into place: the key first (0600), then the certificate (0644), so a cert never names a missing key. */
export function install(tmp: string, files: { cert: string; key: string }, name: string): void {
  chmodSync(join(tmp, `${name}.key`), 0o600)
  chmodSync(join(tmp, `${name}.crt`), 0o644)
  renameSync(join(tmp, `${name}.key`), files.key)
  renameSync(join(tmp, `${name}.crt`), files.cert)
}
