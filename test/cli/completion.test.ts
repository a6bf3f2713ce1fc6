// SPDX-License-Identifier: Apache-2.0
// Shell completion: the script bash loads offers the commands, their options and
// values, from the commands themselves.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { program } from '../../installer/cli/main.ts'
import { bashCompletion } from '../../installer/cli/completion.ts'
import { packageRoot } from '../../installer/paths.ts'
import { join } from 'node:path'

/** What bash offers for the words typed (the last one being completed). */
function complete(...words: string[]): string[] {
  const script = `${bashCompletion(program())}
COMP_WORDS=(stackhouse ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _stackhouse; printf '%s\\n' "\${COMPREPLY[@]}"`
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' })
  expect(r.stderr).toBe('')
  return r.stdout.split('\n').filter(Boolean)
}

describe('completion', () => {
  it('offers commands, subcommands, options and role names', () => {
    expect(complete('de')).toEqual(['deploy', 'destroy'])
    expect(complete('deploy', '--l').sort()).toEqual(['--limit', '--local'])
    expect(complete('deploy', '--only', 'nov')).toEqual(['nova'])
    expect(complete('sandbox', 'st')).toEqual(['start', 'stop'])
    expect(complete('secrets', '')).toEqual(['generate', 'list', 'show', 'set', 'rotate', '--help'])
    expect(complete('status', '--w')).toEqual(['--wait'])
  })

  it('is printed for bash and zsh, and refuses another shell', () => {
    const bin = (shell: string) =>
      spawnSync(process.execPath, [join(packageRoot, 'bin', 'stackhouse.js'), 'completion', shell], { encoding: 'utf8' })
    expect(bin('bash').stdout).toContain('complete -o default -F _stackhouse stackhouse')
    expect(bin('zsh').stdout).toMatch(/^# zsh: bash's completion through bashcompinit\nautoload -U \+X bashcompinit && bashcompinit\n/)
    expect(bin('fish')).toMatchObject({ status: 2, stderr: expect.stringContaining('no completion for "fish"') })
    expect(spawnSync('bash', ['-n', '-c', bin('bash').stdout]).status).toBe(0)
  })
})
