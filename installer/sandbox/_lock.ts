// SPDX-License-Identifier: Apache-2.0
// A lock file per shared resource (address allocation, the base rootfs), so two
// `sandbox create` runs at once do not pick the same address or debootstrap twice.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { SandboxError } from './errors.ts'
import { sandboxPaths } from './paths.ts'
import { isAlive } from './process.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function tryTake(file: string): boolean {
  try {
    const fd = openSync(file, 'wx', 0o644)
    writeSync(fd, String(process.pid))
    closeSync(fd)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
  }
  // A lock left by a process that died is stale: take it over.
  const holder = Number(readFileSync(file, 'utf8').trim())
  if (!holder || !isAlive(holder)) rmSync(file, { force: true })
  return false
}

/** Run `fn` holding the lock `name`; waits up to `timeoutMs` for another holder. */
export async function withLock<T>(name: string, fn: () => Promise<T>, timeoutMs = 600_000): Promise<T> {
  mkdirSync(sandboxPaths.lockDir, { recursive: true })
  const file = join(sandboxPaths.lockDir, `${name}.lock`)
  const deadline = Date.now() + timeoutMs
  while (!tryTake(file)) {
    if (Date.now() > deadline) {
      throw new SandboxError(`timed out waiting for the lock ${file}`, {
        fix: `another stackhouse sandbox command holds it; if none runs, remove ${file}`,
      })
    }
    await sleep(200)
  }
  try {
    return await fn()
  } finally {
    rmSync(file, { force: true })
  }
}
