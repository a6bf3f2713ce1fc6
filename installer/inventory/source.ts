// SPDX-License-Identifier: Apache-2.0
// YAML text → plain data plus a way back from a JSON pointer to line and column.
// The text is hostile until proven otherwise: its control characters, tags, aliases
// and prototype keys are checked before it becomes data (its size and encoding
// before that, in decode.ts).
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml'
import { printable } from '../printable.ts'
import { inventoryLimits } from './decode.ts'
import type { Problem } from './problems.ts'
import { dropAfterTab, errorOffset, yamlFix, yamlMessage } from './yaml-errors.ts'

export interface InventorySource {
  file: string
  data: unknown
  /** Line/column of the value at a path; `key: true` gives the position of the map key instead. */
  locate(path: readonly (string | number)[], opts?: { key?: boolean }): { line: number; column: number }
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
