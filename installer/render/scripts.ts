// SPDX-License-Identifier: Apache-2.0
// Scripts that run on hosts live as files under roles/<role>/files/, where a reviewer,
// shellcheck and py_compile read them (test/roles/scripts.test.ts), not inside
// TypeScript strings. A role ships each as an ordinary file, 0755 under libexecDir,
// and its steps run it by path with quoted arguments.
import { readFileSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { roleFilesDir } from '../paths.ts'
import type { RoleFile } from '../role/contract.ts'

/** Where Stackhouse's own programs go on hosts; roles/neutron's ebtables wrapper is there too. */
export const libexecDir = '/usr/local/libexec/stackhouse'

/**
 * Programs the maintainer scripts of Stackhouse's own apt transactions find before the
 * system's (installer/tasks/packages.ts puts it first in DPkg::Path): roles/common's
 * py3compile, which defers byte-compiling to the end of the transaction.
 */
export const aptPathDir = `${libexecDir}/apt-path`

/** The path on hosts of `roles/<role>/files/<file>`: its name without the extension (`sql-rows.py` → …/sql-rows). */
export function scriptPath(file: string): string {
  return `${libexecDir}/${basename(file, extname(file))}`
}

/** Read once per process: render asks for the same script once per host. */
const contents = new Map<string, string>()

/**
 * `roles/<role>/files/<file>` as a file the host receives, root:root 0755. No
 * service restarts for it: a script is read afresh every time a step runs it.
 */
export function scriptFile(role: string, file: string): RoleFile {
  const source = join(roleFilesDir(role), file)
  const content = contents.get(source) ?? readFileSync(source, 'utf8')
  contents.set(source, content)
  return { path: scriptPath(file), content, mode: 0o755, format: 'text', notify: [] }
}
