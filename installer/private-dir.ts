// SPDX-License-Identifier: Apache-2.0
// A folder only its owner may enter, made without tightening the folders above it.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Make `dir` (mode 0700) and any missing parents (mode 0755 less the umask).
 * NOTE: `mkdirSync(dir, { recursive: true, mode })` gives every folder it creates
 * that mode: a private state folder made first would close /var/lib/stackhouse to
 * the sandbox's apt-cacher-ng user, which must reach its cache below it.
 */
export function mkdirPrivate(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true })
  mkdirSync(dir, { recursive: true, mode: 0o700 })
}
