// SPDX-License-Identifier: Apache-2.0
// Every script under roles/ (and appliance/files/) that runs on hosts, linted: shell by Debian's shellcheck
// (every finding fails), Python by py_compile. shellcheck is installed the way
// Stackhouse gets any tool it needs on this machine (installer/machine-packages.ts).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, extname, join, relative } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureMachinePackages } from '../../installer/machine-packages.ts'
import { packageRoot, roleFilesDir } from '../../installer/paths.ts'

const rolesDir = join(packageRoot, 'roles')

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })
}

const firstLine = (path: string) => readFileSync(path, 'utf8').split('\n', 1)[0]!
/** Shell: *.sh, or any file (a template such as neutron's ebtables.hbs) that starts with a shell's #!. */
const isShell = (path: string) => path.endsWith('.sh') || /^#!\/bin\/(ba|da)?sh\b/.test(firstLine(path))
const isPython = (path: string) => path.endsWith('.py') || /^#!\/usr\/bin\/(env )?python3\b/.test(firstLine(path))

// The appliance's build scripts run on a build host the same way.
const files = [...walk(rolesDir), ...walk(join(packageRoot, 'appliance', 'files'))].sort()
const shell = files.filter(isShell)
const python = files.filter(isPython)
const name = (path: string) => relative(packageRoot, path)

describe('scripts under roles/', () => {
  beforeAll(() => ensureMachinePackages(['shellcheck'], { what: 'the shellcheck test' }), 900_000)

  it('finds the scripts (a check that looks at nothing passes for nothing)', () => {
    expect(shell.map(name)).toEqual(
      expect.arrayContaining([
        'roles/ceph/files/ceph-osd-file.sh',
        'roles/neutron/templates/ebtables.hbs',
        'appliance/files/build/install-extras.sh',
      ]),
    )
    expect(python.map(name)).toEqual(
      expect.arrayContaining(['roles/common/files/sql-rows.py', 'roles/keystone/files/keystone-admin-login.py']),
    )
  })

  it('shellcheck finds nothing in any shell script', () => {
    // NOTE: shellcheck picks sh or bash from each file's #!; gcc format puts file:line:column first.
    const r = spawnSync('shellcheck', ['--format=gcc', ...shell], { cwd: packageRoot, encoding: 'utf8' })
    expect(r.error).toBeUndefined()
    expect(r.stdout.replaceAll(`${packageRoot}/`, ''), 'shellcheck findings').toBe('')
    expect(r.status).toBe(0)
  })

  it('every Python script compiles', () => {
    // The bytecode goes to a scratch folder, not into roles/.
    const env = { ...process.env, PYTHONPYCACHEPREFIX: mkdtempSync(join(tmpdir(), 'stackhouse-pyc-')) }
    const r = spawnSync('python3', ['-m', 'py_compile', ...python], { env, encoding: 'utf8' })
    expect(r.stderr.replaceAll(`${packageRoot}/`, ''), 'py_compile errors').toBe('')
    expect(r.status).toBe(0)
  })

  it('every file a role ships from files/ starts with #! and the SPDX line, and its installed name is unique', () => {
    const shipped = readdirSync(rolesDir).flatMap((role) => {
      try {
        return readdirSync(roleFilesDir(role)).map((f) => join(roleFilesDir(role), f))
      } catch {
        return []
      }
    })
    expect(shipped.length).toBeGreaterThan(0)
    for (const f of shipped) {
      const [shebang, spdx] = readFileSync(f, 'utf8').split('\n')
      expect(shebang, name(f)).toMatch(/^#!\/(bin\/sh|bin\/bash|usr\/bin\/python3)$/)
      expect(spdx, name(f)).toBe('# SPDX-License-Identifier: Apache-2.0')
      expect(isShell(f) || isPython(f), name(f)).toBe(true)
    }
    // Installed side by side under /usr/local/libexec/stackhouse, by name without extension.
    const stems = shipped.map((f) => basename(f, extname(f)))
    expect(new Set(stems).size).toBe(stems.length)
  })
})
