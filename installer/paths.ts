// SPDX-License-Identifier: Apache-2.0
// Where the package's own files are, whether run from sources (vitest) or from dist/.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot(start: string): string {
  let dir = start
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error(`package.json not found above ${start}`)
    dir = up
  }
  return dir
}

/** The package root: the folder that holds package.json, roles/ and labs/. */
export const packageRoot = findRoot(dirname(fileURLToPath(import.meta.url)))

/** Stackhouse's version, from its package.json. */
export function stackhouseVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version
}

/** Folder of a role's templates. */
export function templatesDir(role: string): string {
  return join(packageRoot, 'roles', role, 'templates')
}

/** Folder of a role's own files shipped as they are: scripts run on hosts. */
export function roleFilesDir(role: string): string {
  return join(packageRoot, 'roles', role, 'files')
}
