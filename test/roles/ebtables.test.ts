// SPDX-License-Identifier: Apache-2.0
// roles/neutron's ebtables wrapper, run by bash against a stand-in ebtables-nft
// that refuses to delete --among rules by specification, as ebtables-nft 1.8.9
// does on kernels newer than Debian 12's (exit 4, RULE_DELETE: Invalid argument).
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import neutron from '../../roles/neutron/role.ts'
import { fileAt, renderRole } from '../helpers.ts'

const wrapper = fileAt(renderRole('aio', neutron), 'aio1', '/usr/local/libexec/stackhouse/ebtables')

/** A stand-in ebtables-nft with one chain of three rules; it logs every call and deletes only by number. */
function standIn(dir: string): string {
  const log = join(dir, 'calls')
  const path = join(dir, 'ebtables-nft')
  writeFileSync(
    path,
    `#!/bin/bash
printf '%s\\n' "$*" >> ${log}
case "$*" in
  *" -L neutronMAC-tap1 --Ln") printf 'Bridge table: nat\\n\\nBridge chain: neutronMAC-tap1, entries: 3, policy: DROP\\n1. -i tap1 --among-src fa:16:3e:a:0:1, -j RETURN \\n2 -i tap1 --among-src fa:16:3e:0:0:2 -j RETURN\\n3 -j DROP\\n' ;;
  *" -D neutronMAC-tap1 "[0-9]) exit 0 ;;
  *--among-src*) echo 'RULE_DELETE failed (Invalid argument): rule in chain neutronMAC-tap1' >&2; exit 4 ;;
  *" -D neutronMAC-tap1 -i tap9 -j RETURN") echo 'Bad rule (does a matching rule exist in that chain?)' >&2; exit 1 ;;
  *) exit 0 ;;
esac
`,
  )
  chmodSync(path, 0o755)
  return path
}

function run(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-ebt-'))
  const script = join(dir, 'ebtables')
  writeFileSync(script, wrapper.content, { mode: 0o755 })
  const r = spawnSync('/bin/bash', [script, ...args], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', STACKHOUSE_EBTABLES_REAL: standIn(dir) },
  })
  return { code: r.status, calls: readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') }
}

describe('neutron ebtables wrapper', () => {
  it('is executable, and deletes an --among rule by its number when ebtables-nft refuses its specification', () => {
    expect(wrapper.mode).toBe(0o755)
    // WHEN the agent deletes rule 2 as it listed it (or with zero-padded, upper-case MACs)
    const r = run(['-t', 'nat', '--concurrent', '-D', 'neutronMAC-tap1', '-i', 'tap1', '--among-src', 'FA:16:3E:00:00:02', '-j', 'RETURN'])
    // THEN the wrapper tried the specification, listed the chain, and deleted rule 2 by number
    expect(r.code).toBe(0)
    expect(r.calls).toEqual([
      '-t nat --concurrent -D neutronMAC-tap1 -i tap1 --among-src FA:16:3E:00:00:02 -j RETURN',
      '-t nat -L neutronMAC-tap1 --Ln',
      '-t nat --concurrent -D neutronMAC-tap1 2',
    ])
  })

  it('passes every other call and failure through unchanged', () => {
    expect(run(['-t', 'nat', '-L'])).toEqual({ code: 0, calls: ['-t nat -L'] })
    const missing = run(['-t', 'nat', '-D', 'neutronMAC-tap1', '-i', 'tap9', '-j', 'RETURN'])
    expect(missing).toEqual({ code: 1, calls: ['-t nat -D neutronMAC-tap1 -i tap9 -j RETURN'] })
    // an --among rule that is not in the chain: the original failure stands
    const absent = run(['-t', 'nat', '-D', 'neutronMAC-tap1', '-i', 'tap1', '--among-src', 'fa:16:3e:0:0:9', '-j', 'RETURN'])
    expect(absent.code).toBe(4)
    expect(absent.calls).toHaveLength(2)
  })
})
