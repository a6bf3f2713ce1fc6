// SPDX-License-Identifier: Apache-2.0
// verifyCloud: prove a deployed cloud works by using it, from this machine, the
// way a user would. Each check reports pass/fail/skip with its time and, on
// failure, where to look. Everything verify made is deleted at the end, also
// when a check failed (the test server is kept with `keep`, for debugging).
import { ensureMachinePackages } from '../machine-packages.ts'
import type { Project } from '../project.ts'
import { runCheck, type Check } from './check.ts'
import { createContext, type Timeouts, type VerifyContext } from './context.ts'
import { horizonCheck } from './horizon.ts'
import { demoTokenCheck, endpointsCheck, tokenCheck } from './identity.ts'
import { routerCheck } from './network.ts'
import { crossHostCheck } from './cross-host.ts'
import { floatingIpCheck, sshCheck } from './reach.ts'
import { bootCheck } from './server.ts'
import { computeServicesCheck, networkAgentsCheck, volumeServicesCheck } from './services.ts'
import { imageCheck, objectCheck } from './storage.ts'
import type { CheckResult, VerifyReport } from './types.ts'
import { volumeCheck } from './volume.ts'

export { CheckFailure, type CheckResult, type Hint, type VerifyReport } from './types.ts'
export type { Check } from './check.ts'

export interface VerifyOptions extends Partial<Timeouts> {
  /** Keep the test server and its floating IP for debugging. @default false */
  keep?: boolean
  /** Called as each check finishes (the CLI's live output, the appliance's banner). */
  onCheck?: (result: CheckResult) => void
  /** Detail of failures (stack traces), for a log file. @default discarded */
  log?: (line: string) => void
  /** Run only the checks with these ids, and the checks they need. */
  only?: string[]
  /**
   * Install what the checks need on this machine (ping) when it is missing, as the
   * deploy installs its own prerequisites. @default true
   */
  installMachinePackages?: boolean
}

/** Every check, in the order they run. */
export const checks: readonly Check[] = [
  tokenCheck,
  demoTokenCheck,
  endpointsCheck,
  computeServicesCheck,
  networkAgentsCheck,
  volumeServicesCheck,
  imageCheck,
  routerCheck,
  bootCheck,
  floatingIpCheck,
  sshCheck,
  crossHostCheck,
  volumeCheck,
  objectCheck,
  horizonCheck,
]

export async function verifyCloud(project: Project, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const start = Date.now()
  const { bootTimeoutMs, reachTimeoutMs, settleMs } = opts
  const timeouts = {
    ...(bootTimeoutMs ? { bootTimeoutMs } : {}),
    ...(reachTimeoutMs ? { reachTimeoutMs } : {}),
    ...(settleMs !== undefined ? { settleMs } : {}),
  }
  const ctx = createContext(project.model, project.roles, project.paths.stateDir, timeouts, opts.log ?? (() => {}))
  const selected = select(opts.only)
  if (opts.installMachinePackages ?? true) {
    const needed = [...new Set(selected.flatMap((c) => c.machinePackages ?? []))]
    if (needed.length) await ensureMachinePackages(needed, { what: 'verify', log: opts.log })
  }
  const results: CheckResult[] = []
  let kept: string[] = []
  const report = (r: CheckResult) => {
    results.push(r)
    opts.onCheck?.(r)
  }
  try {
    for (const check of selected) report(await runCheck(check, ctx, results))
  } finally {
    const cleaned = await cleanUp(ctx, opts.keep ?? false)
    kept = cleaned.kept
    report(cleaned.result)
  }
  return { ok: results.every((r) => r.status !== 'fail'), checks: results, seconds: Number(((Date.now() - start) / 1000).toFixed(1)), kept }
}

/** The checks to run: all, or those asked for with what they need, in the usual order. */
function select(only: string[] | undefined): Check[] {
  if (!only?.length) return [...checks]
  const wanted = new Set(only)
  for (const c of [...checks].reverse()) if (wanted.has(c.id)) for (const n of c.needs ?? []) wanted.add(n)
  return checks.filter((c) => wanted.has(c.id))
}

/** Delete what the checks made, newest first; volumes last, once the server they may be attached to is gone. */
async function cleanUp(ctx: VerifyContext, keep: boolean): Promise<{ result: CheckResult; kept: string[] }> {
  const start = Date.now()
  const failed: string[] = []
  const kept: string[] = []
  let deleted = 0
  const newestFirst = [...ctx.cleanup].reverse()
  for (const item of [...newestFirst.filter((i) => !i.last), ...newestFirst.filter((i) => i.last)]) {
    if (keep && item.keepable) {
      kept.push(item.what)
      continue
    }
    try {
      await item.remove()
      deleted++
    } catch (e) {
      failed.push(`${item.what}: ${(e as Error).message}`)
      ctx.log(`cleanup of ${item.what} failed: ${(e as Error).stack ?? String(e)}`)
    }
  }
  const seconds = Number(((Date.now() - start) / 1000).toFixed(1))
  const base = { id: 'cleanup', name: 'clean up', seconds }
  if (failed.length)
    return {
      kept,
      result: {
        ...base,
        status: 'fail',
        message: `could not delete ${failed.join('; ')}`,
        hint: { service: 'the APIs above', fix: 'delete the leftovers (named stackhouse-verify-*) with the openstack client' },
      },
    }
  return {
    kept,
    result: {
      ...base,
      status: 'pass',
      message: `${deleted ? `deleted ${deleted} resource(s)` : 'nothing to delete'}${kept.length ? `; kept for debugging: ${kept.join(', ')}` : ''}`,
    },
  }
}
