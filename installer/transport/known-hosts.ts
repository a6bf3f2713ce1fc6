// SPDX-License-Identifier: Apache-2.0
// OpenSSH known_hosts: which host keys Stackhouse trusts. Plain and hashed
// (`|1|salt|hash`) host patterns, `[addr]:port` for ports other than 22.
import { createHash, createHmac } from 'node:crypto'
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { mkdirPrivate } from '../private-dir.ts'

export interface KnownKey {
  type: string
  key: Buffer
  /** 1-based line in the file, for messages. */
  line: number
}

/** The name a host has in known_hosts: `addr` for port 22, else `[addr]:port`. */
export function hostPattern(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`
}

function matches(field: string, name: string): boolean {
  return field.split(',').some((p) => {
    if (!p.startsWith('|1|')) return p === name
    const [, , salt = '', hash = ''] = p.split('|')
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
  })
}

/** Keys recorded for the host; [] when the file or the host is not there. */
export function knownKeys(file: string, address: string, port: number): KnownKey[] {
  if (!existsSync(file)) return []
  const name = hostPattern(address, port)
  const keys: KnownKey[] = []
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.trim()
      if (!line || line.startsWith('#') || line.startsWith('@')) return
      const [hosts = '', type = '', b64 = ''] = line.split(/\s+/)
      if (matches(hosts, name)) keys.push({ type, key: Buffer.from(b64, 'base64'), line: i + 1 })
    })
  return keys
}

/** Record a host key (trust on first use, when the operator asked for it). */
export function addKnownKey(file: string, address: string, port: number, type: string, key: Buffer): void {
  mkdirPrivate(dirname(file))
  appendFileSync(file, `${hostPattern(address, port)} ${type} ${key.toString('base64')}\n`, { mode: 0o600 })
}

/** `SHA256:…` fingerprint, as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
}

/** The key type named inside an SSH public key blob (string length + name). */
export function keyType(key: Buffer): string {
  const len = key.readUInt32BE(0)
  return key.subarray(4, 4 + len).toString()
}
