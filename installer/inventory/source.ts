// SPDX-License-Identifier: Apache-2.0
// YAML text → plain data plus a way back from a JSON pointer to line and column.
// The text is hostile until proven otherwise: its size, encoding, control
// characters, tags, aliases and prototype keys are checked before it becomes data.
import { isMap, isNode, isPair, isScalar, isSeq, Lexer, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml'
import { printable } from '../printable.ts'
import type { Problem } from './problems.ts'

export interface InventorySource {
  file: string
  data: unknown
  /** Line/column of the value at a path; `key: true` gives the position of the map key instead. */
  locate(path: readonly (string | number)[], opts?: { key?: boolean }): { line: number; column: number }
}

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
    problems: [
      {
        file,
        line: 1,
        column: 1,
        path: '',
        message,
        fix: 'is this the inventory? An inventory of a few thousand hosts is well under 1 MiB',
        severity: 'error',
      },
    ],
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

/** YAML text → data with positions, or the problems; `noun` names the kind of file in messages. */
export function parseInventory(file: string, text: string, noun = 'an inventory'): { source?: InventorySource; problems: Problem[] } {
  const lineCounter = new LineCounter()
  const control = controlCharacterProblem(file, text)
  if (control) return { problems: [control] }
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true })
  // The parser often reports one mistake two ways at the same spot: keep the first.
  const seen = new Set<number>()
  const reported = [...doc.errors, ...doc.warnings].filter((e) => !seen.has(e.pos[0]) && seen.add(e.pos[0]))
  const problems: Problem[] = reported.map((e) => {
    const pos = lineCounter.linePos(errorOffset(text, e.code, e.pos[0]))
    return {
      file,
      line: pos.line,
      column: pos.col,
      path: '',
      message: yamlMessage(e.code, e.message),
      fix: yamlFix(e.code, e.message),
      severity: doc.errors.includes(e as never) ? 'error' : 'warning',
    }
  })
  if (doc.errors.length)
    return {
      problems: dropAfterTab(
        problems,
        reported.map((e) => e.code),
      ),
    }
  const locate: InventorySource['locate'] = (path, opts = {}) => {
    const offset = offsetOf(doc, path, opts.key ?? false)
    const pos = lineCounter.linePos(offset)
    return { line: pos.line, column: pos.col }
  }
  const unsafe = unsafeNodes(doc, noun).map((n): Problem => {
    const pos = lineCounter.linePos(n.offset)
    return { file, line: pos.line, column: pos.col, path: '', severity: 'error', ...n.problem }
  })
  if (unsafe.length) return { problems: [...problems.filter((p) => p.severity === 'error'), ...unsafe] }
  try {
    return { source: { file, data: doc.toJS({ maxAliasCount: inventoryLimits.aliases }), locate }, problems }
  } catch (cause) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount.
    if (!(cause instanceof ReferenceError)) throw cause
    const first = firstAlias(doc)
    const pos = lineCounter.linePos(first)
    const message = `YAML aliases (*name) expand to more than ${inventoryLimits.aliases} copies`
    return {
      problems: [
        {
          file,
          line: pos.line,
          column: pos.col,
          path: '',
          severity: 'error',
          message,
          fix: 'write the values out, or use fewer aliases; aliases that nest multiply',
        },
      ],
    }
  }
}

/** A tab that indents a line confuses the parser about the rest of that line: report the tab alone. */
function dropAfterTab(problems: Problem[], codes: string[]): Problem[] {
  const tabLines = new Set(problems.filter((_, i) => codes[i] === 'TAB_AS_INDENT').map((p) => p.line))
  return problems.filter((p, i) => codes[i] === 'TAB_AS_INDENT' || !tabLines.has(p.line))
}

/**
 * YAML allows only tab, line feed and carriage return among control characters
 * (YAML 1.2 §5.1, c-printable); the parser takes others as text. They are refused
 * here, before they can reach a message or a file.
 */
function controlCharacterProblem(file: string, text: string): Problem | undefined {
  const m = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.exec(text)
  if (!m) return undefined
  const before = text.slice(0, m.index).split('\n')
  return {
    file,
    line: before.length,
    column: [...before.at(-1)!].length + 1,
    path: '',
    severity: 'error',
    message: `control character ${printable(m[0])} is not allowed in YAML${m[0] === '\0' ? ' (is this a binary file?)' : ''}`,
    fix: 'remove it (a value cannot hold control characters)',
  }
}

interface UnsafeNode {
  offset: number
  problem: Pick<Problem, 'message' | 'fix'>
}

/** Explicit tags (`!!binary`, `!foo`) and `__proto__` keys: valid YAML, never valid in our files. */
function unsafeNodes(doc: Document, noun: string): UnsafeNode[] {
  const found: UnsafeNode[] = []
  visit(doc, {
    Node(_, node) {
      if (node.tag && node.range) {
        found.push({
          offset: node.range[0],
          problem: {
            message: `YAML tag ${printable(node.tag.replace('tag:yaml.org,2002:', '!!'))} is not allowed in ${noun}`,
            fix: 'remove the tag: values are plain strings, numbers, booleans, lists and maps',
          },
        })
      }
    },
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '__proto__') {
        found.push({
          offset: pair.key.range?.[0] ?? 0,
          problem: { message: 'the key "__proto__" is not allowed', fix: 'rename or remove it' },
        })
      }
    },
  })
  return found
}

function firstAlias(doc: Document): number {
  let offset = 0
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0
      return visit.BREAK
    },
  })
  return offset
}

/**
 * Where an error is shown. A quote left open is reported by the parser at the end
 * of the file; the mistake is where the quote opened.
 */
function errorOffset(text: string, code: string, offset: number): number {
  if (code === 'MISSING_CHAR') {
    const open = unclosedQuote(text)
    if (open !== undefined) return open
  }
  // Other errors found at the end of the file (an unclosed bracket) belong to the last line written.
  return Math.min(offset, text.trimEnd().length)
}

/** Offset of a quoted scalar the lexer found with no closing quote. */
function unclosedQuote(text: string): number | undefined {
  let offset = 0
  for (const token of new Lexer().lex(text)) {
    // NOTE: the lexer emits one-character markers (document start, flow end, scalar) that are not in the text.
    if (token === '\x02' || token === '\x18' || token === '\x1f') continue
    const q = token[0]
    if ((q === '"' || q === "'") && !closesQuote(token)) return offset
    offset += token.length
  }
  return undefined
}

function closesQuote(token: string): boolean {
  if (token.length < 2) return false
  const q = token[0]
  const body = token.trimEnd()
  if (!body.endsWith(q!) || body.length < 2) return false
  if (q === "'") return true
  // A double quote escaped by an odd number of backslashes does not close the string.
  const backslashes = /\\*$/.exec(body.slice(0, -1))![0].length
  return backslashes % 2 === 0
}

/** Offset of the deepest node on the path that exists (a missing key points at its parent). */
function offsetOf(doc: Document, path: readonly (string | number)[], key: boolean): number {
  let node: unknown = doc.contents
  let offset = isNode(node) ? (node.range?.[0] ?? 0) : 0
  for (const [i, seg] of path.entries()) {
    const last = i === path.length - 1
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg))
      if (!pair) return offset
      const keyNode = pair.key as Node
      if (last && key) return keyNode.range?.[0] ?? offset
      node = pair.value
      offset = isNode(node) ? (node.range?.[0] ?? offset) : (keyNode.range?.[0] ?? offset)
    } else if (isSeq(node)) {
      node = node.items[Number(seg)]
      if (!isNode(node)) return offset
      offset = node.range?.[0] ?? offset
    } else {
      return offset
    }
  }
  return offset
}

function yamlMessage(code: string, message: string): string {
  switch (code) {
    case 'MULTIPLE_DOCS':
      return 'YAML syntax error: the file holds more than one YAML document (a second "---" line)'
    case 'TAB_AS_INDENT':
      return 'YAML syntax error: a tab character indents this line'
    case 'MISSING_CHAR':
      if (/quote/.test(message))
        return `YAML syntax error: this ${message.includes("'") ? "'single-quoted'" : '"double-quoted"'} string is never closed`
  }
  const first = printable(message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), 200)
  return `YAML syntax error (${code}): ${first}`
}

function yamlFix(code: string, message: string): string | undefined {
  if (code === 'MISSING_CHAR' && /quote/.test(message)) return 'add the closing quote where the value ends'
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'remove one of the two keys: YAML maps cannot repeat a key'
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'check the indentation and punctuation of this line and the one above it'
    case 'TAB_AS_INDENT':
      return 'indent with spaces; YAML does not allow tabs'
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'a "key: value" line is missing its colon, or a value is indented under a scalar'
    case 'MULTIPLE_DOCS':
      return 'an inventory is one document: remove the "---" line and merge what follows into the first part'
    default:
      return undefined
  }
}
