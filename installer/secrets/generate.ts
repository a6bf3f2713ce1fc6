// SPDX-License-Identifier: Apache-2.0
// Secret values from the operating system's CSPRNG (node:crypto).
import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import type { SecretKind } from './names.ts'

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A new value of the kind; throws for `operator` secrets, which are never generated. */
export function generateSecret(kind: SecretKind): string {
  switch (kind) {
    case 'password':
      // randomInt is uniform (rejection sampling), unlike bytes % 62.
      return Array.from({ length: 32 }, () => alphabet[randomInt(alphabet.length)]).join('')
    case 'fernet':
      return randomBytes(32).toString('base64url') + '='
    case 'hex':
      return randomBytes(32).toString('hex')
    case 'uuid':
      return randomUUID()
    case 'ceph-key':
      return cephKey()
    case 'operator':
      throw new Error('operator secrets are set by the operator, not generated')
  }
}

/**
 * A CephX secret as `ceph-authtool --gen-print-key` prints it: base64 of
 * le16 type (1 = AES), le32 seconds, le32 nanoseconds, le16 length (16), then 16 random bytes.
 */
function cephKey(): string {
  const header = Buffer.alloc(12)
  header.writeUInt16LE(1, 0)
  header.writeUInt32LE(Math.floor(Date.now() / 1000), 2)
  header.writeUInt32LE(0, 6)
  header.writeUInt16LE(16, 10)
  return Buffer.concat([header, randomBytes(16)]).toString('base64')
}
