// SPDX-License-Identifier: Apache-2.0
// SSH trust without trust-on-first-use: one sandbox key pair that every host
// accepts, and each host's keys generated before it boots and recorded in a
// known_hosts file that the deployer checks against.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { run } from './_exec.ts'
import { sandboxPaths } from './paths.ts'
import { mkdirPrivate } from '../private-dir.ts'

/** Create the sandbox key pair once; returns the public key line. */
export async function ensureKeyPair(): Promise<string> {
  const key = sandboxPaths.key
  if (!existsSync(key)) {
    mkdirPrivate(dirname(key))
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'stackhouse-sandbox', '-f', key])
  }
  chmodSync(key, 0o600)
  return readFileSync(`${key}.pub`, 'utf8').trim()
}

/** Remove a root file system's SSH host keys (if it has any), so no two hosts share them. */
export function removeHostKeys(root: string): void {
  const dir = join(root, 'etc', 'ssh')
  for (const f of existsSync(dir) ? readdirSync(dir) : []) if (f.startsWith('ssh_host_')) rmSync(join(dir, f))
}

/**
 * Generate a root file system's SSH host keys (ssh-keygen -A under a prefix) and
 * return their public halves, `TYPE BASE64` each, ed25519 first.
 */
export async function generateHostKeys(root: string): Promise<string[]> {
  await run('ssh-keygen', ['-A', '-f', root])
  const dir = join(root, 'etc', 'ssh')
  const rank = (f: string) => (f.includes('ed25519') ? 0 : f.includes('ecdsa') ? 1 : 2)
  return readdirSync(dir)
    .filter((f) => /^ssh_host_\w+_key\.pub$/.test(f))
    .sort((a, b) => rank(a) - rank(b))
    .map((f) => readFileSync(join(dir, f), 'utf8').trim().split(/\s+/).slice(0, 2).join(' '))
}

/** known_hosts text without the lines for `address`. */
export function withoutHost(text: string, address: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() && !line.trim().split(/\s+/)[0]!.split(',').includes(address))
    .map((line) => `${line}\n`)
    .join('')
}

function writeKnownHosts(text: string): void {
  const file = sandboxPaths.knownHosts
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(`${file}.tmp`, text, { mode: 0o644 })
  renameSync(`${file}.tmp`, file)
}

function readKnownHosts(): string {
  return existsSync(sandboxPaths.knownHosts) ? readFileSync(sandboxPaths.knownHosts, 'utf8') : ''
}

/** Record a host's keys for its address, replacing what was recorded for it before. */
export function setKnownHost(address: string, keys: readonly string[]): void {
  writeKnownHosts(withoutHost(readKnownHosts(), address) + keys.map((k) => `${address} ${k}\n`).join(''))
}

export function removeKnownHost(address: string): void {
  if (existsSync(sandboxPaths.knownHosts)) writeKnownHosts(withoutHost(readKnownHosts(), address))
}
