// SPDX-License-Identifier: Apache-2.0
// The engine's waits and retries (installer/tasks/command.ts) against the runner's
// pretend host, with timeouts of a fraction of a second.
import { describe, expect, it } from 'vitest'
import { commandTask, type CommandSpec } from '../../installer/tasks/command.ts'
import { TaskError, type TaskContext } from '../../installer/tasks/types.ts'
import type { ExecOptions, ExecResult } from '../../installer/transport/types.ts'
import { fixtureModel } from '../helpers.ts'
import { FakeHost } from '../runner/fake-host.ts'

/** A FakeHost whose commands containing a key fail that many times, then succeed. */
class SlowHost extends FakeHost {
  readonly failFirst = new Map<string, number>()
  override async exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    for (const [key, left] of this.failFirst) {
      if (command.includes(key) && left > 0) {
        this.failFirst.set(key, left - 1)
        this.commands.push(command)
        return { code: 3, stdout: '', stderr: `${key}: not yet` }
      }
    }
    return super.exec(command, opts)
  }
  count(key: string): number {
    return this.commands.filter((c) => c.includes(key)).length
  }
}

const host = fixtureModel('aio').hosts[0]!
function context(transport: FakeHost, check = false): TaskContext & { lines: string[] } {
  const lines: string[] = []
  return { transport, host, check, changedFiles: new Set(), log: (l) => lines.push(l), redact: (t) => t, lines }
}
const apply = (spec: CommandSpec, ctx: TaskContext) => commandTask(spec).apply(ctx)

describe('a wait (waitUntil, no run)', () => {
  const wait: CommandSpec = {
    id: 'svc.wait',
    title: 'wait for svc',
    unless: 'probe-svc',
    waitUntil: { timeoutSeconds: 2, intervalSeconds: 0.01 },
  }

  it('checks until the probe passes, and reports ok (it changed nothing)', async () => {
    const h = new SlowHost('aio1')
    h.failFirst.set('probe-svc', 3)
    expect(await apply(wait, context(h))).toEqual({ status: 'ok' })
    expect(h.count('probe-svc')).toBe(4)
  })

  it('gives up after its timeout with a message naming what it waited for, how long, and the last answer', async () => {
    const h = new SlowHost('aio1')
    h.failFirst.set('probe-svc', 1_000)
    const started = Date.now()
    const failure = await apply({ ...wait, waitUntil: { timeoutSeconds: 0.2, intervalSeconds: 0.05 } }, context(h)).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(failure).toBeInstanceOf(TaskError)
    const e = failure as TaskError
    expect(e.message).toBe('wait for svc: still not done after 0.2 s (checked every 0.05 s; the check last exited 3)')
    expect([e.task, e.host, e.command, e.exitCode, e.stderr]).toEqual(['svc.wait', 'aio1', 'probe-svc', 3, 'probe-svc: not yet'])
    // About timeout / interval tries, not one nor hundreds.
    expect(h.count('probe-svc')).toBeGreaterThanOrEqual(3)
    expect(h.count('probe-svc')).toBeLessThanOrEqual(6)
  })

  it('is not run at all under --check', async () => {
    const h = new SlowHost('aio1')
    h.failFirst.set('probe-svc', 1_000)
    expect(await apply(wait, context(h, true))).toEqual({ status: 'ok' })
    expect(h.commands).toEqual([])
  })
})

describe('a step that waits for its own run to take effect (waitUntil with run)', () => {
  const discover: CommandSpec = {
    id: 'svc.discover',
    title: 'map hosts',
    unless: 'hosts-mapped',
    run: 'discover-hosts',
    waitUntil: { timeoutSeconds: 2, intervalSeconds: 0.01 },
  }

  it('is ok without running when its check passes', async () => {
    const h = new SlowHost('aio1')
    expect(await apply(discover, context(h))).toEqual({ status: 'ok' })
    expect(h.commands).toEqual(['hosts-mapped'])
  })

  it('runs, checks, and runs again until the check passes; reports the change', async () => {
    const h = new SlowHost('aio1')
    h.failFirst.set('hosts-mapped', 3)
    expect(await apply(discover, context(h))).toEqual({ status: 'changed', detail: 'map hosts' })
    expect(h.commands).toEqual([
      'hosts-mapped',
      'discover-hosts',
      'hosts-mapped',
      'discover-hosts',
      'hosts-mapped',
      'discover-hosts',
      'hosts-mapped',
    ])
  })

  it('under --check, checks once and reports what it would do', async () => {
    const h = new SlowHost('aio1')
    h.failFirst.set('hosts-mapped', 1_000)
    expect(await apply(discover, context(h, true))).toEqual({ status: 'changed', detail: 'map hosts' })
    expect(h.commands).toEqual(['hosts-mapped'])
  })
})

describe('gates: when the check and the change may run', () => {
  /** A gate that writes down each pass through it. */
  const gate =
    (name: string, passes: string[]) =>
    <T>(fn: () => Promise<T>): Promise<T> => {
      passes.push(name)
      return fn()
    }
  const step: CommandSpec = { id: 'svc.restart', title: 'restart svc', unless: 'svc-current', run: 'systemctl restart svc' }

  it('a guard that passes goes through the check gate only', async () => {
    const passes: string[] = []
    const h = new SlowHost('aio1')
    await commandTask(step, { check: gate('check', passes), run: gate('run', passes) }).apply(context(h))
    expect(passes).toEqual(['check'])
  })

  it('a change goes through the run gate, and each try of a wait through both', async () => {
    const passes: string[] = []
    const h = new SlowHost('aio1')
    h.failFirst.set('svc-current', 1)
    await commandTask(step, { check: gate('check', passes), run: gate('run', passes) }).apply(context(h))
    expect(passes).toEqual(['check', 'run'])
    passes.length = 0
    h.failFirst.set('svc-current', 2)
    const waiting = { ...step, waitUntil: { timeoutSeconds: 2, intervalSeconds: 0.01 } }
    await commandTask(waiting, { check: gate('check', passes), run: gate('run', passes) }).apply(context(h))
    expect(passes).toEqual(['check', 'run', 'check', 'run', 'check'])
  })
})

describe('retry', () => {
  const flaky: CommandSpec = {
    id: 'svc.init',
    title: 'init svc',
    unless: 'svc-ready',
    run: 'svc-init',
    retry: { attempts: 3, delaySeconds: 0.01 },
  }

  it('runs a failing command again, up to its attempts, and stops at the first success', async () => {
    const h = new SlowHost('aio1')
    h.failFirst.set('svc-ready', 1)
    h.failFirst.set('svc-init', 2)
    const ctx = context(h)
    expect(await apply(flaky, ctx)).toEqual({ status: 'changed', detail: 'init svc' })
    expect(h.count('svc-init')).toBe(3)
    expect(ctx.lines).toContain('attempt 2 of 3 failed; trying again in 0.01 s')
  })

  it('fails after the last attempt, saying how many there were', async () => {
    const h = new SlowHost('aio1')
    h.failFirst.set('svc-ready', 1)
    h.failFirst.set('svc-init', 5)
    const e = (await apply(flaky, context(h)).catch((x: unknown) => x)) as TaskError
    expect(e.message).toBe('command failed 3 times, last with exit code 3')
    expect([e.command, e.stderr]).toEqual(['svc-init', 'svc-init: not yet'])
    expect(h.count('svc-init')).toBe(3)
  })

  it('without retry, a failing command fails the step at once', async () => {
    const h = new SlowHost('aio1')
    h.failFirst.set('svc-ready', 1)
    h.failFirst.set('svc-init', 1)
    const e = (await apply({ ...flaky, retry: undefined }, context(h)).catch((x: unknown) => x)) as TaskError
    expect(e.message).toBe('command failed with exit code 3')
    expect(h.count('svc-init')).toBe(1)
  })
})

describe('declarations the engine refuses when the task is made', () => {
  it.each([
    ['no run and no wait', { id: 'x.a', title: 'a', unless: 'true' }, /without `run`, it must be a wait/],
    [
      'a wait with nothing to check',
      { id: 'x.b', title: 'b', run: 'true', waitUntil: { timeoutSeconds: 5 } },
      /`waitUntil` needs `unless`/,
    ],
    ['a zero timeout', { id: 'x.c', title: 'c', unless: 'true', waitUntil: { timeoutSeconds: 0 } }, /positive timeout/],
    ['zero attempts', { id: 'x.d', title: 'd', run: 'true', retry: { attempts: 0, delaySeconds: 1 } }, /whole number of attempts/],
  ] as [string, CommandSpec, RegExp][])('%s', (_name, spec, error) => {
    expect(() => commandTask(spec)).toThrow(error)
  })
})
