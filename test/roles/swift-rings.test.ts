// SPDX-License-Identifier: Apache-2.0
// roles/swift/files/swift-rings.sh, the program of step swift.rings, on the plans the
// role renders. A swift-ring-builder of the test's own records its calls and makes a
// ring file at `rebalance`; the real one runs in every integration deploy.
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { ringCommands } from '../../roles/swift/role.ts'
import { fixtureModel } from '../helpers.ts'

const files = join(import.meta.dirname, '../../roles/swift/files')
const root = mkdtempSync(join(tmpdir(), 'stackhouse-swift-rings-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
// The scripts as hosts have them: by name without extension, side by side.
const bin = join(root, 'bin')
mkdirSync(bin)
for (const name of ['swift-rings', 'swift-ring-addresses']) copyFileSync(join(files, `${name}.sh`), join(bin, name))
const etc = join(root, 'etc')
const plan = join(etc, 'stackhouse-rings.txt')
const built = join(etc, '.stackhouse-rings.built')
const calls = join(root, 'calls')
// Records every call; `rebalance` writes <type>.ring.gz beside the plan and exits $REBALANCE_RC;
// `search` finds every device (a moved one was not moved yet).
writeFileSync(
  join(bin, 'swift-ring-builder'),
  `#!/bin/sh
echo "$*" >> '${calls}'
case "$2" in
  rebalance) echo ring > "${etc}/$(basename "$1" .builder).ring.gz"; exit "\${REBALANCE_RC:-0}" ;;
  search) exit 0 ;;
esac
`,
)
chmodSync(join(bin, 'swift-ring-builder'), 0o755)

const planText = (model: Model) => `# Managed by Stackhouse\n${ringCommands(model).join('\n')}\n`
const moved = (model: Model, from: string, to: string): Model => ({
  ...model,
  hosts: model.hosts.map((h) => (h.address === from ? { ...h, address: to } : h)),
})
const ringsMade = () => ['account', 'container', 'object'].filter((t) => existsSync(join(etc, `${t}.ring.gz`)))

/** Runs the script as step swift.rings does: its exit code, stderr and the builder's calls. */
function build(env: Record<string, string> = {}): { code: number | null; stderr: string; calls: string[] } {
  rmSync(calls, { force: true })
  const r = spawnSync('sh', [join(bin, 'swift-rings'), plan, built], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env },
    encoding: 'utf8',
  })
  const made = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []
  return { code: r.status, stderr: r.stderr, calls: made }
}

describe('Swift rings: the build (swift-rings.sh)', () => {
  const model = fixtureModel('3-node')
  beforeEach(() => {
    rmSync(etc, { recursive: true, force: true })
    mkdirSync(etc)
  })

  it('runs the plan in order, takes a rebalance warning (exit 1) as done, and records the plan', () => {
    // GIVEN no rings and the 3-node plan; rebalance warns (few hosts)
    writeFileSync(plan, planText(model))
    const r = build({ REBALANCE_RC: '1' })
    // THEN every command of the plan ran, in order, the rings exist and the plan is recorded as built
    expect(r.code, r.stderr).toBe(0)
    expect(r.calls.map((c) => `swift-ring-builder ${c}`)).toEqual(ringCommands(model))
    expect(ringsMade()).toEqual(['account', 'container', 'object'])
    expect(readFileSync(built, 'utf8')).toBe(planText(model))
  })

  it('fails on a rebalance error and does not record the plan, so the next run builds again', () => {
    // GIVEN rebalance fails outright
    writeFileSync(plan, planText(model))
    const r = build({ REBALANCE_RC: '2' })
    // THEN it stops at the first rebalance, with the builder's status, and nothing is recorded
    expect(r.code).not.toBe(0)
    expect(r.calls.at(-1)).toBe('/etc/swift/account.builder rebalance')
    expect(existsSync(built)).toBe(false)
  })

  it('runs nothing from a plan with a line that is not a swift-ring-builder command', () => {
    // GIVEN a plan with a foreign line after good ones
    writeFileSync(plan, `${planText(model)}rm -rf /srv/node\n`)
    const r = build()
    // THEN exit 2 naming the line, before any command ran
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('not a swift-ring-builder command')
    expect(r.stderr).toContain('rm -rf /srv/node')
    expect(r.calls).toEqual([])
    expect(existsSync(built)).toBe(false)
  })

  it('never rebuilds existing rings: a re-addressed host is moved in place and the new plan recorded', () => {
    // GIVEN rings built from the plan, then cmp1 (10.1.0.21) moved to 10.1.0.31
    writeFileSync(plan, planText(model))
    expect(build().code).toBe(0)
    writeFileSync(plan, planText(moved(model, '10.1.0.21', '10.1.0.31')))
    const r = build()
    // THEN no ring is created or rebalanced; the devices move (set_info) and each ring is written
    expect(r.code, r.stderr).toBe(0)
    expect(r.calls.some((c) => / (create|add|rebalance)\b/.test(c))).toBe(false)
    expect(r.calls.filter((c) => c.includes(' set_info --ip 10.1.0.21 '))).toHaveLength(3)
    expect(r.calls.filter((c) => c.endsWith(' write_ring'))).toHaveLength(3)
    expect(readFileSync(built, 'utf8')).toBe(planText(moved(model, '10.1.0.21', '10.1.0.31')))
  })

  it('stops with what to do when existing rings meet a plan that changed in more than addresses', () => {
    // GIVEN rings built from the plan, then a plan with another partition power
    writeFileSync(plan, planText(model))
    expect(build().code).toBe(0)
    const other = { ...model, backends: { ...model.backends, swift: { ...model.backends.swift, partPower: 12 } } }
    writeFileSync(plan, planText(other))
    const r = build()
    // THEN exit 3, the operator is told how to change the rings, nothing ran, and the old plan stays recorded
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('rebuilding would move every partition')
    expect(r.stderr).toContain('swift-ring-builder (add, set_weight, rebalance)')
    expect(r.calls).toEqual([])
    expect(readFileSync(built, 'utf8')).toBe(planText(model))
  })
})
