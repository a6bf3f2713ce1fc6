// SPDX-License-Identifier: Apache-2.0
// An inventory file's bytes → text, and the limits a hostile file meets: its size
// is checked before it is read, its encoding before it is parsed as YAML.
import { wholeFileProblem, type Problem } from './problems.ts'

/** Limits applied before and while parsing, so a hostile file cannot exhaust memory or time. */
export const inventoryLimits = {
  /** 4 MiB holds an inventory of tens of thousands of hosts. */
  bytes: 4 * 1024 * 1024,
  /** YAML aliases (`*name`) expanded into data; an alias bomb is stopped here. */
  aliases: 100,
} as const

/** The problem of a file over the size limit, told from its size alone (it is never read). */
export function tooLarge(file: string, bytes: number): { problems: Problem[] } {
  const message = `the file is ${bytes} bytes, more than the limit of ${inventoryLimits.bytes} bytes (4 MiB)`
  return {
    problems: [wholeFileProblem(file, message, 'is this the inventory? An inventory of a few thousand hosts is well under 1 MiB')],
  }
}

/** An inventory file's bytes → text: within the size limit, UTF-8, no NUL. */
export function decodeInventory(file: string, bytes: Uint8Array): { text?: string; problems: Problem[] } {
  const at = (line: number, column: number, message: string, fix: string): { problems: Problem[] } => ({
    problems: [{ file, line, column, path: '', message, fix, severity: 'error' }],
  })
  if (bytes.length > inventoryLimits.bytes) return tooLarge(file, bytes.length)
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes), problems: [] }
  } catch {
    const bad = firstInvalidUtf8(bytes)
    const before = new TextDecoder().decode(bytes.subarray(0, bad))
    const lines = before.split('\n')
    return at(
      lines.length,
      [...lines.at(-1)!].length + 1,
      `the file is not UTF-8 text (byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad})`,
      'save it as UTF-8; is it a binary file?',
    )
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let lo = 0
  let hi = bytes.length
  // The longest prefix that decodes (allowing a sequence cut at the end) ends where the damage starts.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    try {
      decoder.decode(bytes.subarray(0, mid), { stream: true })
      decoder.decode()
      lo = mid
    } catch {
      hi = mid - 1
    }
  }
  return lo
}
