// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import { formatIni, iniGet, iniValues, IniSyntaxError, mergeIni, parseIni } from '../../installer/render/ini.ts'

const base = `# Managed by Stackhouse
[DEFAULT]
debug = false
# the message queue
transport_url = rabbit://a
pci_alias = {"name": "a"}
pci_alias = {"name": "b"}

[database]
connection = mysql+pymysql://x
`

describe('parseIni / formatIni', () => {
  it('round-trips text byte for byte, comments and repeated keys included', () => {
    expect(formatIni(parseIni(base))).toBe(base)
  })

  it('reads repeated keys as several values and continuation lines as one value', () => {
    const s = parseIni('[filter]\nkey = first\n  second\nkey: third\n')
    expect(iniValues(s, 'filter', 'key')).toEqual(['first\nsecond', 'third'])
    expect(iniGet(parseIni(base), 'DEFAULT', 'pci_alias')).toBe('{"name": "b"}')
  })

  it('names the line of a syntax error', () => {
    expect(() => parseIni('[DEFAULT]\nok = 1\nthis line has no equals sign\n')).toThrow(IniSyntaxError)
    expect(() => parseIni('[DEFAULT]\nok = 1\nno equals\n')).toThrow(/^line 3: expected "key = value"/)
  })
})

describe('mergeIni: A + B = C', () => {
  it('replaces a key in place, keeping comments and order', () => {
    const { text } = mergeIni(base, { source: 'o', text: '[DEFAULT]\ndebug = true\n' })
    expect(text).toBe(base.replace('debug = false', 'debug = true'))
  })

  it('replaces every value of a repeated key with the layer values', () => {
    const { text } = mergeIni(base, { source: 'o', text: '[DEFAULT]\npci_alias = {"name": "c"}\n' })
    expect(iniValues(parseIni(text), 'DEFAULT', 'pci_alias')).toEqual(['{"name": "c"}'])
  })

  it('appends new keys to their section and new sections at the end', () => {
    const { text } = mergeIni(base, { source: 'o', text: '[database]\nmax_pool_size = 5\n[oslo_messaging_notifications]\ndriver = noop\n' })
    expect(text).toBe(`${base}max_pool_size = 5\n\n[oslo_messaging_notifications]\ndriver = noop\n`)
  })

  it('lets later layers win and records which layer set each key', () => {
    const { text, setBy } = mergeIni(
      base,
      { source: 'inventory', text: '[DEFAULT]\ndebug = true\nverbose = 1\n' },
      { source: 'overrides/nova/nova.conf', text: '[DEFAULT]\ndebug = false\n' },
    )
    expect(iniGet(parseIni(text), 'DEFAULT', 'debug')).toBe('false')
    expect(setBy).toEqual({ 'DEFAULT.debug': 'overrides/nova/nova.conf', 'DEFAULT.verbose': 'inventory' })
  })

  it('leaves the base unchanged with an empty layer', () => {
    expect(mergeIni(base, { source: 'o', text: '# nothing\n' })).toEqual({ text: base, setBy: {} })
  })
})
