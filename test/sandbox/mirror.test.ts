// SPDX-License-Identifier: Apache-2.0
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findMirrors, hostSources, machineMirrors, parseDeb822, parseOneLine, viaCache } from '../../installer/sandbox/mirror.ts'

// Fake mirror names: the real one always comes from the machine's own apt configuration.
const deb822 = `Types: deb
# a snapshot of the archive, kept as a comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Enabled: no
Components: main
`

describe('parseDeb822', () => {
  it('reads every enabled stanza, with a comment line inside a stanza', () => {
    expect(parseDeb822(deb822)).toEqual([
      { types: ['deb'], uris: ['http://mirror.example/debian'], suites: ['bookworm', 'bookworm-updates'], components: ['main', 'contrib'] },
      { types: ['deb'], uris: ['http://security.example/debian-security'], suites: ['bookworm-security'], components: ['main'] },
    ])
  })
})

describe('parseOneLine', () => {
  it('reads deb lines with options and skips comments and deb-src', () => {
    const text =
      '# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ bookworm main\ndeb-src http://mirror.example/debian bookworm main\n\ndeb http://security.example/debian-security bookworm-security main # trailing\n'
    const entries = parseOneLine(text)
    expect(entries).toHaveLength(3)
    expect(findMirrors(entries)).toEqual({
      archive: 'http://mirror.example/debian',
      security: 'http://security.example/debian-security',
      components: ['main'],
    })
  })
})

describe('findMirrors', () => {
  it('picks the bookworm archive and the security archive', () => {
    expect(findMirrors(parseDeb822(deb822))).toEqual({
      archive: 'http://mirror.example/debian',
      security: 'http://security.example/debian-security',
      components: ['main', 'contrib'],
    })
  })

  it('ignores other repositories and explains when there is no Debian archive', () => {
    const other = parseOneLine('deb https://packages.example/apt cloud-sdk main\n')
    expect(() => findMirrors(other, '/x/apt')).toThrow(/no Debian bookworm archive .* under \/x\/apt/)
  })
})

describe('machineMirrors', () => {
  it('reads sources.list and .sources files, skipping disabled file names', () => {
    const root = mkdtempSync(join(tmpdir(), 'stackhouse-apt-'))
    mkdirSync(join(root, 'sources.list.d'))
    writeFileSync(join(root, 'sources.list'), 'deb https://vendor.example/apt stable main\n')
    writeFileSync(join(root, 'sources.list.d', 'debian.sources'), deb822)
    writeFileSync(join(root, 'sources.list.d', 'old.list.disabled'), 'deb http://old.example/debian bookworm main\n')
    expect(machineMirrors(root).archive).toBe('http://mirror.example/debian')
  })
})

describe('hostSources', () => {
  it('lists bookworm, bookworm-updates and bookworm-security; https goes through the cache as HTTPS///', () => {
    expect(viaCache('https://mirror.example/debian')).toBe('http://HTTPS///mirror.example/debian')
    const text = hostSources({
      archive: 'https://mirror.example/debian',
      security: 'http://security.example/debian-security',
      components: ['main'],
    })
    expect(text).toContain('URIs: http://HTTPS///mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n')
    expect(text).toContain('URIs: http://security.example/debian-security\nSuites: bookworm-security\n')
  })
})
