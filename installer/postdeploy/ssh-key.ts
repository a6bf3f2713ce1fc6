// SPDX-License-Identifier: Apache-2.0
// The demo keypair's private key: an ed25519 key made in Node once and kept in
// OpenSSH's own format, so `ssh -i <stateDir>/demo-key` and node-ssh both read it.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { mkdirPrivate } from '../private-dir.ts'

export interface SshKey {
  /** Path of the private key (mode 0600). */
  path: string
  /** `ssh-ed25519 AAAA… comment`, as Nova's keypair import takes it. */
  publicKey: string
}

/** SSH wire format: a uint32 length, then the bytes. */
function sshString(data: Buffer | string): Buffer {
  const b = typeof data === 'string' ? Buffer.from(data) : data
  const len = Buffer.alloc(4)
  len.writeUInt32BE(b.length)
  return Buffer.concat([len, b])
}

const uint32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/** The public key blob: string "ssh-ed25519", string key. */
const publicBlob = (pub: Buffer) => Buffer.concat([sshString('ssh-ed25519'), sshString(pub)])

/**
 * openssh-key-v1, unencrypted (PROTOCOL.key in OpenSSH's source): magic, cipher/kdf
 * "none", one public key, then the private section padded to 8 bytes. Node writes
 * ed25519 keys only as PKCS#8, which OpenSSH reads but ssh2 (node-ssh) does not.
 */
export function opensshPrivateKey(seed: Buffer, pub: Buffer, comment: string): string {
  const check = randomBytes(4)
  let priv = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ])
  const pad = (8 - (priv.length % 8)) % 8
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))])
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob(pub)),
    sshString(priv),
  ])
  const lines = body.toString('base64').match(/.{1,70}/g) ?? []
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`
}

/** The public key of an unencrypted openssh-key-v1 ed25519 private key. */
export function publicKeyOf(privateKey: string, comment: string): string {
  const b64 = privateKey.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
  const body = Buffer.from(b64, 'base64')
  const magic = 'openssh-key-v1\0'
  if (body.subarray(0, magic.length).toString() !== magic) throw new Error('not an OpenSSH private key (openssh-key-v1)')
  // After the magic: cipher, kdf, kdf options (3 strings), the key count, then the public blob.
  let at = magic.length
  for (let i = 0; i < 3; i++) at += 4 + body.readUInt32BE(at)
  at += 4
  const blob = body.subarray(at + 4, at + 4 + body.readUInt32BE(at))
  return `${blob.subarray(4, 4 + blob.readUInt32BE(0)).toString()} ${blob.toString('base64')} ${comment}`
}

/** Make the key at `path` unless it exists; the key that exists is always kept. Returns [key, created]. */
export function ensureSshKey(path: string, comment: string, check = false): [SshKey | undefined, boolean] {
  if (existsSync(path)) return [{ path, publicKey: publicKeyOf(readFileSync(path, 'utf8'), comment) }, false]
  if (check) return [undefined, true]
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const jwkPub = publicKey.export({ format: 'jwk' })
  const jwkPriv = privateKey.export({ format: 'jwk' })
  const pub = Buffer.from(jwkPub.x ?? '', 'base64url')
  const seed = Buffer.from(jwkPriv.d ?? '', 'base64url')
  mkdirPrivate(dirname(path))
  // wx: never overwrite a key another run wrote meanwhile.
  writeFileSync(path, opensshPrivateKey(seed, pub, comment), { mode: 0o600, flag: 'wx' })
  const key: SshKey = { path, publicKey: `ssh-ed25519 ${publicBlob(pub).toString('base64')} ${comment}` }
  writeFileSync(`${path}.pub`, `${key.publicKey}\n`, { mode: 0o644 })
  return [key, true]
}
