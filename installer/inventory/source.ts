// SPDX-License-Identifier: Apache-2.0
// YAML text → plain data plus a way back from a JSON pointer to line and column.
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import type { Problem } from './problems.ts'

export interface InventorySource {
  file: string
  data: unknown
  /** Line/column of the value at a path; `key: true` gives the position of the map key instead. */
  locate(path: readonly (string | number)[], opts?: { key?: boolean }): { line: number; column: number }
}

export function parseInventory(file: string, text: string): { source?: InventorySource; problems: Problem[] } {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true })
  // The parser often reports one mistake two ways at the same spot: keep the first.
  const seen = new Set<number>()
  const reported = [...doc.errors, ...doc.warnings].filter((e) => !seen.has(e.pos[0]) && seen.add(e.pos[0]))
  const problems: Problem[] = reported.map((e) => {
    // An error found at the end of the file (an unclosed bracket or quote) belongs to the last line written.
    const pos = lineCounter.linePos(Math.min(e.pos[0], text.trimEnd().length))
    return {
      file,
      line: pos.line,
      column: pos.col,
      path: '',
      message: yamlMessage(e.code, e.message),
      fix: yamlFix(e.code),
      severity: doc.errors.includes(e as never) ? 'error' : 'warning',
    }
  })
  if (doc.errors.length) return { problems }
  const locate: InventorySource['locate'] = (path, opts = {}) => {
    const offset = offsetOf(doc, path, opts.key ?? false)
    const pos = lineCounter.linePos(offset)
    return { line: pos.line, column: pos.col }
  }
  return { source: { file, data: doc.toJS({ maxAliasCount: 100 }), locate }, problems }
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
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  return `YAML syntax error (${code}): ${first}`
}

function yamlFix(code: string): string | undefined {
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
    default:
      return undefined
  }
}
