// SPDX-License-Identifier: Apache-2.0
// Write rendered files into a folder for an operator to read and diff:
// OUT/<host>/<path on the host>, with each file's mode, and OUT/<host>/MANIFEST
// listing mode, owner and path (owners may not exist on this machine).
import { StackhouseError } from '../errors.ts'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { RenderedFile } from './render.ts'

const marker = '.stackhouse-render'

/** The folder given to render cannot take its files. An input error (exit 1). */
export class OutputDirError extends StackhouseError {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(`${dir}: ${message}`, { kind: 'input', file: dir })
    this.name = 'OutputDirError'
  }
}

/** Throws when `dir` cannot take a render: a file, or a folder with other things in it. */
export function checkOutputDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new OutputDirError(dir, 'is a file; render writes a folder')
  if (existsSync(dir) && readdirSync(dir).length && !existsSync(join(dir, marker))) {
    throw new OutputDirError(dir, 'is not empty and was not written by "stackhouse render"; choose an empty or new folder')
  }
}

/** Replace the folder's contents with the files. Refuses a non-empty folder that is not an earlier render. */
export function writeRendered(dir: string, files: readonly RenderedFile[]): void {
  checkOutputDir(dir)
  try {
    writeInto(dir, files)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new OutputDirError(dir, `cannot be written (${code ?? String(e)}); choose a folder this user can write`)
  }
}

function writeInto(dir: string, files: readonly RenderedFile[]): void {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, marker), 'Written by stackhouse render; the whole folder is replaced on the next render.\n')
  const manifests = new Map<string, string[]>()
  for (const f of files) {
    const target = join(dir, f.host, f.path)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, f.content, { mode: f.mode })
    chmodSync(target, f.mode) // the umask may have narrowed it
    const line = `${f.mode.toString(8).padStart(4, '0')} ${f.owner}:${f.group} ${f.path}`
    manifests.set(f.host, [...(manifests.get(f.host) ?? []), line])
  }
  for (const [host, lines] of manifests) writeFileSync(join(dir, host, 'MANIFEST'), `${lines.join('\n')}\n`)
}
