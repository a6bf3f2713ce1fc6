// SPDX-License-Identifier: Apache-2.0
// The OVA's manifest: one `SHA256(<file>)= <hex>` line per file, written by our own
// code. OpenSSL 3 prints `SHA2-256(...)` and `sha256sum --tag` prints `SHA256 (...) =`,
// and vCenter rejects both ("Invalid OVF checksum algorithm").
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

export interface ManifestEntry {
  file: string
  sha256: string
}

/** The SHA-256 of a file, read as a stream (a disk is gigabytes). */
export async function sha256File(path: string, range?: { start: number; length: number }): Promise<string> {
  const hash = createHash('sha256')
  // NOTE: an empty range cannot be given to a read stream (end would come before start): it is the hash of no bytes.
  if (range?.length === 0) return hash.digest('hex')
  const stream = createReadStream(path, range ? { start: range.start, end: range.start + range.length - 1 } : {})
  for await (const chunk of stream) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export function sha256Bytes(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function formatManifest(entries: readonly ManifestEntry[]): string {
  return entries.map((e) => `SHA256(${e.file})= ${e.sha256}\n`).join('')
}

/** What vSphere accepts, exactly: algorithm, file in parentheses, `= `, lower-case hex. */
const line = /^(SHA1|SHA256|SHA512)\(([^()]+)\)= ([0-9a-f]+)$/
const hexLength: Record<string, number> = { SHA1: 40, SHA256: 64, SHA512: 128 }

/** The entries of a manifest, or the first line vSphere would refuse and why. */
export function parseManifest(text: string): { entries: (ManifestEntry & { algorithm: string })[]; error?: string } {
  const entries: (ManifestEntry & { algorithm: string })[] = []
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  for (const [i, l] of lines.entries()) {
    const m = line.exec(l)
    if (!m || m[3]!.length !== hexLength[m[1]!])
      return { entries, error: `line ${i + 1} is not "SHA256(<file>)= <hex>": ${JSON.stringify(l.slice(0, 80))}` }
    entries.push({ algorithm: m[1]!, file: m[2]!, sha256: m[3]! })
  }
  return { entries }
}
