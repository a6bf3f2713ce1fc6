// SPDX-License-Identifier: Apache-2.0
// The one-round-trip read of a phase's files, run for real in bash on temporary files.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileStatesCommand, parseFileStates, sha256 } from '../../installer/tasks/file.ts'
import { parseUnitStates, unitStatesCommand } from '../../installer/tasks/service.ts'

describe('reading the state of many files at once', () => {
  it('gives mode, owner, group and hash of each file in order, and null for a missing one, whatever the name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-states-'))
    const odd = join(dir, "it's a file; rm -rf $HOME")
    writeFileSync(join(dir, 'a.conf'), '[DEFAULT]\nx = 1\n')
    writeFileSync(odd, 'secret\n')
    chmodSync(odd, 0o640)
    const paths = [join(dir, 'a.conf'), join(dir, 'missing'), odd]
    const stdout = execFileSync('bash', ['-c', fileStatesCommand(paths)], { encoding: 'utf8' })
    const me = userInfo().username
    const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim()
    expect(parseFileStates(paths, stdout)).toEqual(
      new Map([
        [paths[0], { mode: '644', owner: me, group, hash: sha256('[DEFAULT]\nx = 1\n') }],
        [paths[1], null],
        [paths[2], { mode: '640', owner: me, group, hash: sha256('secret\n') }],
      ]),
    )
  })

  it('gives nothing (each task then looks itself) when the answer does not fit the paths', () => {
    expect(parseFileStates(['/a', '/b'], '-\n')).toBeUndefined()
    expect(parseFileStates(['/a'], 'not a state\n')).toBeUndefined()
    expect(parseFileStates(['/a'], '')).toBeUndefined()
  })

  it('reads the units likewise: enabled and active of each, empty for one not installed', () => {
    // GIVEN a stand-in systemctl: nova-api enabled and running, a Swift daemon disabled and failed, nothing else installed
    const bin = mkdtempSync(join(tmpdir(), 'stackhouse-units-'))
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh
case "$1 $3" in
  "is-enabled nova-api.service") echo enabled ;; "is-active nova-api.service") echo active ;;
  "is-enabled swift-container-sharder.service") echo disabled ;; "is-active swift-container-sharder.service") echo failed ;;
  is-enabled*) exit 1 ;; *) echo inactive; exit 3 ;;
esac
`)
    chmodSync(join(bin, 'systemctl'), 0o755)
    const units = ['nova-api.service', 'swift-container-sharder.service', 'not-installed.service']
    const stdout = execFileSync('bash', ['-c', unitStatesCommand(units)], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } })
    expect(parseUnitStates(units, stdout)).toEqual(new Map([
      ['nova-api.service', { enabled: 'enabled', active: 'active' }],
      ['swift-container-sharder.service', { enabled: 'disabled', active: 'failed' }],
      ['not-installed.service', { enabled: '', active: 'inactive' }],
    ]))
    expect(parseUnitStates(units, 'enabled|active\n')).toBeUndefined()
  })
})
