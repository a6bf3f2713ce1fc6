// SPDX-License-Identifier: Apache-2.0
// The one-round-trip read of a phase's files and units, run for real in bash on temporary files.
import { noFileCopy } from './fake-host.ts'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileStatesCommand, parseFileStates, sha256 } from '../../installer/tasks/file.ts'
import { parseUnitStates, unitStatesCommand } from '../../installer/tasks/service.ts'
import type { Task } from '../../installer/tasks/types.ts'
import type { Transport } from '../../installer/transport/types.ts'
import { readPhaseStates } from '../../installer/runner/_states.ts'
import { HostLog } from '../../installer/runner/log.ts'

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
    writeFileSync(
      join(bin, 'systemctl'),
      `#!/bin/sh
case "$1 $3" in
  "is-enabled nova-api.service") echo enabled ;; "is-active nova-api.service") echo active ;;
  "is-enabled swift-container-sharder.service") echo disabled ;; "is-active swift-container-sharder.service") echo failed ;;
  is-enabled*) exit 1 ;; *) echo inactive; exit 3 ;;
esac
`,
    )
    chmodSync(join(bin, 'systemctl'), 0o755)
    const units = ['nova-api.service', 'swift-container-sharder.service', 'not-installed.service']
    const stdout = execFileSync('bash', ['-c', unitStatesCommand(units)], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } })
    expect(parseUnitStates(units, stdout)).toEqual(
      new Map([
        ['nova-api.service', { enabled: 'enabled', active: 'active' }],
        ['swift-container-sharder.service', { enabled: 'disabled', active: 'failed' }],
        ['not-installed.service', { enabled: '', active: 'inactive' }],
      ]),
    )
    expect(parseUnitStates(units, 'enabled|active\n')).toBeUndefined()
  })

  it("reads a phase's files and units in one command, and nothing for a lone file (its task looks itself)", async () => {
    // GIVEN a file, a missing file and a running unit, on a host that is this machine's bash with a stand-in systemctl
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-phase-'))
    writeFileSync(join(dir, 'a.conf'), 'a\n')
    writeFileSync(join(dir, 'systemctl'), '#!/bin/sh\ncase "$1" in is-enabled) echo enabled ;; *) echo active ;; esac\n')
    chmodSync(join(dir, 'systemctl'), 0o755)
    const commands: string[] = []
    const transport: Transport = {
      host: 'here',
      address: 'local',
      writeFile: async () => {},
      ...noFileCopy,
      close: async () => {},
      exec: async (command) => {
        commands.push(command)
        const r = spawnSync('bash', ['-c', command], { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } })
        return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr }
      },
    }
    const log = new HostLog(dir, 'here', (s) => s)
    const tasks = (files: string[], units: string[]): Task[] => [
      ...files.map((f) => ({ id: 'x.file', title: f, filePath: join(dir, f), apply: async () => ({ status: 'ok' as const }) })),
      ...units.map((u) => ({ id: 'x.service', title: u, unit: u, apply: async () => ({ status: 'ok' as const }) })),
    ]
    // WHEN read THEN one command answers for both
    const states = await readPhaseStates(tasks(['a.conf', 'missing'], ['api.service']), transport, log)
    expect(commands).toHaveLength(1)
    expect(states.fileStates).toEqual(
      new Map([
        [join(dir, 'a.conf'), expect.objectContaining({ mode: '644', hash: sha256('a\n') })],
        [join(dir, 'missing'), null],
      ]),
    )
    expect(states.unitStates).toEqual(new Map([['api.service', { enabled: 'enabled', active: 'active' }]]))
    // AND a phase with one file alone is not read ahead
    expect(await readPhaseStates(tasks(['a.conf'], []), transport, log)).toEqual({})
    expect(commands).toHaveLength(1)
  })
})
