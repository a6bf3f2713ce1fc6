// SPDX-License-Identifier: Apache-2.0
// The daemon-reload step's guard, run in bash against a stand-in systemctl that answers
// `systemctl show -p X --value -- unit` from the environment.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { daemonReload } from '../../installer/render/steps.ts'

const bin = mkdtempSync(join(tmpdir(), 'stackhouse-systemctl-'))
writeFileSync(
  join(bin, 'systemctl'),
  `#!/bin/sh
[ "$1 $2" = "show -p" ] || exit 3
case $3 in
  LoadState) echo "$LOAD_STATE" ;;
  NeedDaemonReload) echo "$NEED_RELOAD" ;;
  DropInPaths) echo "$DROP_INS" ;;
  *) exit 3 ;;
esac
`,
)
chmodSync(join(bin, 'systemctl'), 0o755)
afterAll(() => rmSync(bin, { recursive: true, force: true }))

const dropIn = '/etc/systemd/system/ovs-vswitchd.service.d/stackhouse-underlay.conf'
const step = daemonReload('ovn', ['ovs-vswitchd.service'], [dropIn])

/** True when the guard holds (no reload needed) for what systemd reports. */
function guardHolds(reported: { LOAD_STATE: string; NEED_RELOAD: string; DROP_INS: string }): boolean {
  const r = spawnSync('bash', ['-c', step.unless!], { env: { ...process.env, ...reported, PATH: `${bin}:${process.env.PATH}` } })
  return r.status === 0
}

describe('daemonReload', () => {
  it('reloads when a drop-in is not among the loaded ones, even with NeedDaemonReload=no (a new .d folder)', () => {
    const other = '/usr/lib/systemd/system/ovs-vswitchd.service.d/other.conf'
    expect(guardHolds({ LOAD_STATE: 'loaded', NEED_RELOAD: 'no', DROP_INS: other })).toBe(false)
    expect(guardHolds({ LOAD_STATE: 'loaded', NEED_RELOAD: 'no', DROP_INS: '' })).toBe(false)
    // a path that only starts like it is not it
    expect(guardHolds({ LOAD_STATE: 'loaded', NEED_RELOAD: 'no', DROP_INS: `${dropIn}.bak` })).toBe(false)
  })

  it('holds once the drop-in is loaded and nothing changed since', () => {
    expect(guardHolds({ LOAD_STATE: 'loaded', NEED_RELOAD: 'no', DROP_INS: `/run/x.conf ${dropIn}` })).toBe(true)
    expect(guardHolds({ LOAD_STATE: 'loaded', NEED_RELOAD: 'yes', DROP_INS: dropIn })).toBe(false)
    expect(guardHolds({ LOAD_STATE: 'not-found', NEED_RELOAD: 'no', DROP_INS: dropIn })).toBe(false)
  })

  it('refuses a path that is not a drop-in (a role bug)', () => {
    expect(() => daemonReload('x', ['a.service'], ['/etc/systemd/system/a.service'])).toThrow(/not a drop-in path/)
  })
})
