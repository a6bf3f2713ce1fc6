// SPDX-License-Identifier: Apache-2.0
// The Debian mirror comes from this machine's own apt configuration, never from a
// name written in code: whatever mirror the operator chose is the one hosts use.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { SandboxError } from './errors.ts'

/** The Debian release sandbox hosts run. */
export const codename = 'bookworm'

export interface SourceEntry {
  types: string[]
  uris: string[]
  suites: string[]
  components: string[]
}

export interface DebianMirrors {
  /** URI of the main archive (the one with suite bookworm). */
  archive: string
  /** URI of the security archive (suite bookworm-security), when the machine has one. */
  security?: string
  /** Components the machine uses from the main archive, e.g. main. */
  components: string[]
}

/** Entries of a deb822 `.sources` file; stanzas with `Enabled: no` are left out. */
export function parseDeb822(text: string): SourceEntry[] {
  // Comment lines are dropped whole: a blank line in their place would split a stanza.
  const stanzas = text.replace(/^#.*(\n|$)/gm, '').split(/\n\s*\n/)
  const entries: SourceEntry[] = []
  for (const stanza of stanzas) {
    const fields = new Map<string, string>()
    let last = ''
    for (const line of stanza.split('\n')) {
      if (/^\s+\S/.test(line) && last) fields.set(last, `${fields.get(last)} ${line.trim()}`)
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line)
      if (m) fields.set((last = m[1]!.toLowerCase()), m[2]!.trim())
    }
    if (!fields.has('uris') || fields.get('enabled')?.toLowerCase() === 'no') continue
    const list = (key: string) => (fields.get(key) ?? '').split(/\s+/).filter(Boolean)
    entries.push({ types: list('types'), uris: list('uris'), suites: list('suites'), components: list('components') })
  }
  return entries
}

/** Entries of a one-line `sources.list`: `deb [options] URI SUITE COMPONENT…`. */
export function parseOneLine(text: string): SourceEntry[] {
  const entries: SourceEntry[] = []
  for (const raw of text.split('\n')) {
    const line = raw
      .replace(/#.*$/, '')
      .replace(/\[[^\]]*\]/, ' ')
      .trim()
    const [type, uri, suite, ...components] = line.split(/\s+/)
    if (!type || !/^deb(-src)?$/.test(type) || !uri || !suite) continue
    entries.push({ types: [type], uris: [uri], suites: [suite], components })
  }
  return entries
}

/** The main and security archives among the entries; throws when there is no main archive. */
export function findMirrors(entries: SourceEntry[], where = '/etc/apt'): DebianMirrors {
  const web = (e: SourceEntry) => e.types.includes('deb') && e.uris.some((u) => /^https?:\/\//.test(u))
  const uri = (e: SourceEntry) => e.uris.find((u) => /^https?:\/\//.test(u))!.replace(/\/+$/, '')
  const main = entries.find((e) => web(e) && e.suites.includes(codename))
  if (!main) {
    throw new SandboxError(`no Debian ${codename} archive with an http(s) URI in the apt sources under ${where}`, {
      fix: `add the Debian mirror you use to /etc/apt/sources.list.d/debian.sources (Suites: ${codename} ${codename}-updates)`,
    })
  }
  const security = entries.find((e) => web(e) && e.suites.includes(`${codename}-security`))
  return {
    archive: uri(main),
    ...(security ? { security: uri(security) } : {}),
    components: main.components.length ? main.components : ['main'],
  }
}

/** Read every enabled sources file of this machine (`.sources`, `.list`, sources.list). */
export function readMachineSources(root = '/etc/apt'): SourceEntry[] {
  const entries: SourceEntry[] = []
  const list = join(root, 'sources.list')
  if (existsSync(list)) entries.push(...parseOneLine(readFileSync(list, 'utf8')))
  const dir = join(root, 'sources.list.d')
  const files = existsSync(dir) ? readdirSync(dir).sort() : []
  for (const f of files) {
    if (f.endsWith('.sources')) entries.push(...parseDeb822(readFileSync(join(dir, f), 'utf8')))
    else if (f.endsWith('.list')) entries.push(...parseOneLine(readFileSync(join(dir, f), 'utf8')))
  }
  return entries
}

/** This machine's Debian mirrors. */
export function machineMirrors(root = '/etc/apt'): DebianMirrors {
  return findMirrors(readMachineSources(root), root)
}

/**
 * The URI to fetch through apt-cacher-ng. An https archive cannot be cached through
 * a plain proxy; apt-cacher-ng fetches `http://HTTPS///host/path` over TLS itself
 * (apt-cacher-ng manual, "HTTPS" section) and caches it.
 */
export function viaCache(uri: string): string {
  return uri.replace(/^https:\/\//, 'http://HTTPS///')
}

/** deb822 sources for a sandbox host: main + updates, and security when the machine has it. */
export function hostSources(m: DebianMirrors): string {
  const stanza = (uri: string, suites: string) =>
    `Types: deb\nURIs: ${viaCache(uri)}\nSuites: ${suites}\nComponents: ${m.components.join(' ')}\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`
  const parts = [stanza(m.archive, `${codename} ${codename}-updates`)]
  if (m.security) parts.push(stanza(m.security, `${codename}-security`))
  return `# Written by Stackhouse from this machine's apt sources; fetched through the sandbox apt-cacher-ng.\n${parts.join('\n')}`
}
