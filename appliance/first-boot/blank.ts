// SPDX-License-Identifier: Apache-2.0
// After first boot the guest's copy of the settings keeps no password: the value
// of each password property in an ovf-env.xml is emptied in place.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { propertyPrefix, settings } from '../settings.ts'

const passwordKeys = new Set(settings.filter((s) => s.password).map((s) => `${propertyPrefix}${s.key}`))

/** The document with every password property's value empty; the rest unchanged, byte for byte. */
export function blankPasswordsIn(xml: string): string {
  return xml.replace(/<(?:[\w.-]+:)?Property\b[^>]*>/g, (tag) => {
    const key = /\s(?:[\w.-]+:)?key\s*=\s*(["'])(.*?)\1/.exec(tag)?.[2]
    if (key === undefined || !passwordKeys.has(key)) return tag
    return tag.replace(/(\s(?:[\w.-]+:)?value\s*=\s*)(["'])[^]*?\2/, '$1$2$2')
  })
}

/** Blank the passwords in the file, if it is there. */
export function blankPasswords(file: string): void {
  if (!existsSync(file)) return
  const before = readFileSync(file, 'utf8')
  const after = blankPasswordsIn(before)
  if (after === before) return
  writeFileSync(`${file}.tmp`, after, { mode: 0o600 })
  renameSync(`${file}.tmp`, file)
}
