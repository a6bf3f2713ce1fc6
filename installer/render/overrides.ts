// SPDX-License-Identifier: Apache-2.0
// Read an overrides/ folder: overrides/<service>/<file> applies to every host,
// overrides/<service>/<host>/<file> to one host. Nothing outside the folder is
// read: a symbolic link that leaves it is refused, so an override can never pull
// secrets.yaml (or any other file) into a host's configuration. INI syntax is
// checked here, so a broken override is reported with its own file and line
// before anything renders.
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { printable } from '../printable.ts'
import { IniSyntaxError, parseIni } from './ini.ts'
import { OverrideError, type OverrideFile } from './render.ts'

const iniLike = /\.(conf|ini|cnf)$/

/** An override file is configuration: 1 MiB is far more than any of them needs. */
export const overrideLimitBytes = 1024 * 1024

/** Editor and system leftovers, never overrides: dotfiles (.x.swp, .DS_Store), x~, #x#, x.swp, x.orig, x.rej. */
export function isLeftover(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || /^#.*#$/.test(name) || /\.(swp|swo|orig|rej)$/.test(name)
}

interface Walk {
  root: string
  shownFrom: string
}

export function readOverrides(dir: string, shownFrom = process.cwd()): OverrideFile[] {
  const shown = relative(shownFrom, dir) || dir
  let root: string
  try {
    lstatSync(dir)
    root = realpathSync(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw ioError(shown, e)
  }
  if (!statSync(root).isDirectory()) {
    throw new OverrideError(
      shown,
      'is a file; overrides are a folder of files',
      'move the file into a folder: overrides/<service>/<file> (e.g. overrides/nova/nova.conf)',
    )
  }
  const walk: Walk = { root, shownFrom }
  const out: OverrideFile[] = []
  for (const service of entries(walk, root)) {
    const serviceDir = join(root, service)
    if (kind(walk, serviceDir) !== 'dir') {
      throw new OverrideError(
        show(walk, serviceDir),
        'overrides must be in a folder named after the service',
        `move it to overrides/<service>/${service}, e.g. overrides/nova/nova.conf`,
      )
    }
    for (const entry of entries(walk, serviceDir)) {
      const path = join(serviceDir, entry)
      if (kind(walk, path) === 'file') {
        out.push(read(walk, path, service, entry))
        continue
      }
      for (const file of entries(walk, path)) {
        const inner = join(path, file)
        if (kind(walk, inner) === 'dir') {
          throw new OverrideError(
            show(walk, inner),
            'is a folder one level too deep',
            'overrides are overrides/<service>/<file> or overrides/<service>/<host>/<file>',
          )
        }
        out.push(read(walk, inner, service, file, entry))
      }
    }
  }
  return out
}

/** Names in a folder, leftovers skipped, sorted. */
function entries(walk: Walk, dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => !isLeftover(n))
      .sort()
  } catch (e) {
    throw ioError(show(walk, dir), e)
  }
}

/** A file or folder inside the overrides folder, symbolic links followed only while they stay inside it. */
function kind(walk: Walk, path: string): 'file' | 'dir' {
  const shown = show(walk, path)
  let real: string
  try {
    real = realpathSync(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && lstatSync(path).isSymbolicLink()) {
      throw new OverrideError(
        shown,
        `is a symbolic link to ${printable(readlinkSync(path), 200)}, which does not exist`,
        'fix or remove the link',
      )
    }
    throw ioError(shown, e)
  }
  if (real !== walk.root && !real.startsWith(walk.root + sep)) {
    throw new OverrideError(
      shown,
      `is a symbolic link that leaves the overrides folder (to ${printable(real, 200)})`,
      'copy the file into the overrides folder instead of linking to it',
    )
  }
  const st = statSync(real)
  if (st.isDirectory()) return 'dir'
  if (st.isFile()) return 'file'
  throw new OverrideError(shown, 'is neither a file nor a folder (a pipe, socket or device)', 'remove it')
}

function read(walk: Walk, path: string, service: string, file: string, host?: string): OverrideFile {
  const source = show(walk, path)
  let bytes: Buffer
  try {
    if (statSync(path).size > overrideLimitBytes)
      throw new OverrideError(
        source,
        `is larger than ${overrideLimitBytes} bytes (1 MiB)`,
        'an override holds the keys it changes, not a whole data file',
      )
    bytes = readFileSync(path)
  } catch (e) {
    if (e instanceof OverrideError) throw e
    throw ioError(source, e)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new OverrideError(source, 'is not UTF-8 text', 'save it as UTF-8; is it a binary file?')
  }
  if (text.includes('\0')) throw new OverrideError(source, 'holds a NUL byte (is it a binary file?)', 'an override is a text file')
  if (iniLike.test(file)) {
    try {
      parseIni(text)
    } catch (e) {
      if (e instanceof IniSyntaxError) throw new OverrideError(`${source}:${e.line}`, e.message.replace(/^line \d+: /, ''))
      throw e
    }
  }
  return { service, file, text, source, ...(host ? { host } : {}) }
}

function show(walk: Walk, path: string): string {
  return printable(relative(walk.shownFrom, path) || path, 300)
}

function ioError(shown: string, e: unknown): OverrideError {
  const code = (e as NodeJS.ErrnoException).code
  if (code === 'EACCES')
    return new OverrideError(shown, 'cannot be read by this user', 'run as a user who can read it, or change its permissions')
  if (code === 'ELOOP') return new OverrideError(shown, 'is a symbolic link that loops', 'fix or remove the link')
  return new OverrideError(shown, `cannot be read (${code ?? String(e)})`, 'check the file')
}
