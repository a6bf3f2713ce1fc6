// SPDX-License-Identifier: Apache-2.0
// Debian packages that Stackhouse itself needs on this machine (the sandbox's
// nspawn and debootstrap, the guest image's tools, verify's ping): installed when
// missing and running as root, else named with the command that installs them. One
// place, so every command gets what it needs on a fresh machine the same way.
import { FixableError } from './errors.ts'
import { run, type FixableErrorClass } from './run.ts'

/** Reports progress, one line at a time. */
export type Log = (line: string) => void

export const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' }

export const isRoot = (): boolean => process.getuid?.() === 0

/** Packages of the list that dpkg does not report as installed. */
export async function missingPackages(names: readonly string[]): Promise<string[]> {
  const r = await run('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...names], { allowFail: true })
  const installed = new Set(
    r.stdout
      .split('\n')
      .filter((l) => /^\S+ ii/.test(l))
      .map((l) => l.split(' ')[0]),
  )
  return names.filter((n) => !installed.has(n))
}

export interface EnsureOptions {
  /** Who needs them, for the message, e.g. "verify". */
  what: string
  log?: Log
  /** What a failure is thrown as. @default FixableError */
  errorClass?: FixableErrorClass
}

/** Install the packages of `names` that are missing (as root), or explain what to install (as anyone else). */
export async function ensureMachinePackages(names: readonly string[], opts: EnsureOptions): Promise<void> {
  const missing = await missingPackages(names)
  if (!missing.length) return
  const Failure = opts.errorClass ?? FixableError
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`
  if (!isRoot())
    throw new Failure(`${opts.what} needs these Debian packages, which are missing: ${missing.join(', ')}`, {
      fix: `as root: apt-get update && ${command}`,
    })
  opts.log?.(`installing ${missing.join(' ')}`)
  try {
    // Wait for the dpkg lock instead of failing at once: another apt may be running (or a parallel create).
    const lock = ['-o', 'DPkg::Lock::Timeout=300']
    await run('apt-get', [...lock, 'update', '-qq'], { env: aptEnv, timeoutMs: 600_000 })
    await run('apt-get', [...lock, 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env: aptEnv, timeoutMs: 900_000 })
  } catch (cause) {
    throw new Failure(`installing ${missing.join(', ')} for ${opts.what} failed`, {
      cause,
      fix: `run it yourself and read its output: apt-get update && ${command}`,
    })
  }
}
