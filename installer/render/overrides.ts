// SPDX-License-Identifier: Apache-2.0
// Read an overrides/ folder: overrides/<service>/<file> applies to every host,
// overrides/<service>/<host>/<file> to one host. INI syntax is checked here, so a
// broken override is reported with its own file and line before anything renders.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { IniSyntaxError, parseIni } from './ini.ts'
import { OverrideError, type OverrideFile } from './render.ts'

const iniLike = /\.(conf|ini|cnf)$/

export function readOverrides(dir: string, shownFrom = process.cwd()): OverrideFile[] {
  if (!existsSync(dir)) return []
  const out: OverrideFile[] = []
  for (const service of readdirSync(dir).sort()) {
    const serviceDir = join(dir, service)
    if (!statSync(serviceDir).isDirectory()) {
      throw new OverrideError(relative(shownFrom, serviceDir), 'overrides must be in a folder named after the service, e.g. overrides/nova/nova.conf')
    }
    for (const entry of readdirSync(serviceDir).sort()) {
      const path = join(serviceDir, entry)
      if (statSync(path).isDirectory()) {
        for (const file of readdirSync(path).sort()) out.push(read(join(path, file), service, file, shownFrom, entry))
      } else out.push(read(path, service, entry, shownFrom))
    }
  }
  return out
}

function read(path: string, service: string, file: string, shownFrom: string, host?: string): OverrideFile {
  const source = relative(shownFrom, path)
  const text = readFileSync(path, 'utf8')
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
