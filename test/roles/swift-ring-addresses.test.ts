// SPDX-License-Identifier: Apache-2.0
// roles/swift/files/swift-ring-addresses.sh against the plans the role renders. A
// swift-ring-builder of the test's own records what the script asks of it; the
// real one runs when the appliance's integration test re-addresses its cloud.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { ringCommands } from '../../roles/swift/role.ts'
import { fixtureModel } from '../helpers.ts'

const script = join(import.meta.dirname, '../../roles/swift/files/swift-ring-addresses.sh')
const dir = mkdtempSync(join(tmpdir(), 'stackhouse-rings-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
// Its `search` finds a device unless its address is in $MOVED_FROM (the device moved away) or is
// $NOT_YET (nothing there yet); every other command is recorded.
writeFileSync(
  join(dir, 'swift-ring-builder'),
  `#!/bin/sh
if [ "$2" = search ]; then
  case " $MOVED_FROM " in *" $4 "*) exit 2 ;; esac
  [ "$4" = "$NOT_YET" ] && exit 2
  exit 0
fi
echo "$*" >> "${dir}/calls"
`,
)
chmodSync(join(dir, 'swift-ring-builder'), 0o755)

const plan = (model: Model) => `# a comment\n${ringCommands(model).join('\n')}\n`
const moved = (model: Model, from: string, to: string): Model => ({
  ...model,
  hosts: model.hosts.map((h) => (h.address === from ? { ...h, address: to } : h)),
})

/** Runs the script on two plans: its exit code and the builder's calls. */
function addresses(before: string, after: string, env: Record<string, string> = {}): { code: number | null; calls: string[] } {
  writeFileSync(join(dir, 'old'), before)
  writeFileSync(join(dir, 'new'), after)
  rmSync(join(dir, 'calls'), { force: true })
  const r = spawnSync('sh', [script, join(dir, 'old'), join(dir, 'new')], {
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, NOT_YET: '10.1.0.31', ...env },
    encoding: 'utf8',
  })
  let calls: string[] = []
  try {
    calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')
  } catch {
    // no call at all
  }
  return { code: r.status, calls }
}

describe('Swift rings: hosts that moved', () => {
  const model = fixtureModel('3-node')

  it('moves the devices of a re-addressed storage host in place, in every ring, and writes the rings', () => {
    // GIVEN the 3-node plan, then the same cloud with cmp1 (10.1.0.21) at 10.1.0.31
    const r = addresses(plan(model), plan(moved(model, '10.1.0.21', '10.1.0.31')))
    // THEN only cmp1's devices change address (and replication address), then each ring is written
    expect(r.code).toBe(0)
    expect(r.calls).toEqual([
      ...[
        ['account', 6202],
        ['container', 6201],
        ['object', 6200],
      ].map(
        ([t, port]) =>
          `/etc/swift/${t}.builder set_info --ip 10.1.0.21 --port ${port} --device swift1 --change-ip 10.1.0.31 --change-replication-ip 10.1.0.31 --yes`,
      ),
      ...['account', 'container', 'object'].map((t) => `/etc/swift/${t}.builder write_ring`),
    ])
  })

  it('skips a device an earlier, interrupted run already moved, and writes the rings again', () => {
    // GIVEN a run that moved cmp1's account device, then stopped before it recorded the plan
    const r = addresses(plan(model), plan(moved(model, '10.1.0.21', '10.1.0.31')), { NOT_YET: '', MOVED_FROM: '10.1.0.21' })
    // THEN nothing is moved twice (a second set_info would find no device and fail), and every ring is written
    expect(r.code).toBe(0)
    expect(r.calls).toEqual(['account', 'container', 'object'].map((t) => `/etc/swift/${t}.builder write_ring`))
  })

  it('changes nothing and exits 3 when the plan changed in anything else', () => {
    const before = plan(model)
    // a host added, a weight, the partition power, a device name: each would move partitions
    const cmp3 = { ...model.hosts.find((h) => h.name === 'cmp1')!, name: 'cmp3', address: '10.1.0.23' }
    const changes = [
      plan({ ...model, hosts: [...model.hosts, cmp3] }),
      before.replace(/(add \S+) 100$/m, '$1 50'),
      before.replaceAll(' create 10 ', ' create 12 '),
      before.replace('/swift1 ', '/swift2 '),
      // a moved host together with another change is still another change
      plan(moved(model, '10.1.0.21', '10.1.0.31')).replace(/(add \S+) 100$/m, '$1 50'),
    ]
    expect(changes.every((c) => c !== before)).toBe(true)
    for (const after of changes) expect(addresses(before, after)).toEqual({ code: 3, calls: [] })
  })
})
