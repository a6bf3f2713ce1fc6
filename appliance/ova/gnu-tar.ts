// SPDX-License-Identifier: Apache-2.0
// The OVA's container: a GNU tar archive, written and read by our own code. vSphere
// reads GNU tar; a VMDK may exceed the 8 GiB that ustar's 11 octal digits can say, and
// GNU's base-256 size keeps each header one block (node-tar would add pax headers).
import { closeSync, createReadStream, createWriteStream, fstatSync, openSync, readSync, statSync } from 'node:fs'
import { once } from 'node:events'

const block = 512
/** GNU tar pads the archive to whole records of 20 blocks. */
const record = 20 * block
/** The largest size ustar's octal field holds: 8 GiB - 1. */
const maxOctal = 8 ** 11 - 1

export interface TarMember {
  /** The name in the archive: a plain file name, at most 99 bytes. */
  name: string
  /** The file to copy in, or the bytes themselves. */
  from: { path: string } | { bytes: Buffer }
}

export interface TarHeader {
  name: string
  size: number
  mode: number
  uid: number
  gid: number
  /** '0' for a regular file. */
  type: string
  /** `ustar  ` (GNU), `ustar\0` (POSIX) or something else. */
  magic: string
  /** Where the member's data starts in the archive. */
  offset: number
}

/** Write `members` in order, owner 0, mode 0644, all with the same modification time. */
export async function writeTar(file: string, members: readonly TarMember[], mtime: number): Promise<void> {
  const out = createWriteStream(file, { mode: 0o644 })
  const write = async (chunk: Buffer) => {
    if (!out.write(chunk)) await once(out, 'drain')
  }
  let written = 0
  for (const m of members) {
    const size = 'bytes' in m.from ? m.from.bytes.length : statSync(m.from.path).size
    await write(tarHeader(m.name, size, mtime))
    if ('bytes' in m.from) await write(m.from.bytes)
    else for await (const chunk of createReadStream(m.from.path)) await write(chunk as Buffer)
    const pad = (block - (size % block)) % block
    await write(Buffer.alloc(pad))
    written += block + size + pad
  }
  // The end: two zero blocks, then up to a whole record.
  written += 2 * block
  await write(Buffer.alloc(2 * block + ((record - (written % record)) % record)))
  out.end()
  await once(out, 'finish')
}

/** One 512-byte GNU tar header for a regular file, owner 0:0, mode 0644. */
export function tarHeader(name: string, size: number, mtime: number): Buffer {
  if (!/^[A-Za-z0-9._-]{1,99}$/.test(name)) throw new Error(`tar member name "${name}": a plain file name of at most 99 characters`)
  const h = Buffer.alloc(block)
  h.write(name, 0, 'ascii')
  octal(h, 100, 8, 0o644)
  octal(h, 108, 8, 0)
  octal(h, 116, 8, 0)
  if (size > maxOctal) {
    // GNU base-256: the high bit of the first byte set, the number big-endian in the rest.
    h[124] = 0x80
    h.writeBigUInt64BE(BigInt(size), 124 + 12 - 8)
  } else octal(h, 124, 12, size)
  octal(h, 136, 12, Math.floor(mtime))
  h.write('0', 156, 'ascii')
  h.write('ustar  \0', 257, 'binary')
  h.write('root', 265, 'ascii')
  h.write('root', 297, 'ascii')
  // The checksum: the header's byte sum with the checksum field read as spaces.
  h.fill(0x20, 148, 156)
  const sum = h.reduce((a, b) => a + b, 0)
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii')
  return h
}

function octal(h: Buffer, at: number, width: number, n: number): void {
  h.write(`${n.toString(8).padStart(width - 1, '0')}\0`, at, 'ascii')
}

/** The members' headers, in order; throws on a damaged header (bad checksum, truncated archive). */
export function readTarHeaders(file: string): TarHeader[] {
  const fd = openSync(file, 'r')
  try {
    const total = fstatSync(fd).size
    const headers: TarHeader[] = []
    const h = Buffer.alloc(block)
    for (let at = 0; at + block <= total; ) {
      readSync(fd, h, 0, block, at)
      if (h.every((b) => b === 0)) break
      const stored = parseOctal(h, 148, 8)
      const sum = h.reduce((a, b, i) => a + (i >= 148 && i < 156 ? 0x20 : b), 0)
      if (stored !== sum) throw new Error(`tar header at byte ${at}: checksum ${stored} is not the header's (${sum})`)
      const size = h[124]! & 0x80 ? Number(h.readBigUInt64BE(124 + 12 - 8)) : parseOctal(h, 124, 12)
      headers.push({
        name: cString(h, 0, 100),
        size,
        mode: parseOctal(h, 100, 8),
        uid: parseOctal(h, 108, 8),
        gid: parseOctal(h, 116, 8),
        type: String.fromCharCode(h[156]!),
        magic: h.toString('binary', 257, 265),
        offset: at + block,
      })
      at += block + Math.ceil(size / block) * block
      if (at > total) throw new Error(`tar member ${headers.at(-1)!.name}: the archive ends inside it`)
    }
    return headers
  } finally {
    closeSync(fd)
  }
}

function cString(h: Buffer, at: number, width: number): string {
  const end = h.indexOf(0, at)
  return h.toString('utf8', at, end < 0 || end > at + width ? at + width : end)
}

function parseOctal(h: Buffer, at: number, width: number): number {
  const text = cString(h, at, width).trim()
  return text ? Number.parseInt(text, 8) : 0
}
