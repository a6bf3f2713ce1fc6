// SPDX-License-Identifier: Apache-2.0
// The YAML parser's errors told for people: where each is shown (an unclosed quote
// where it opened, not at the end of the file), its message and fix in plain words,
// and one report for a tab that indents a line.
import { Lexer } from 'yaml'
import { printable } from '../printable.ts'
import type { Problem } from './problems.ts'

/** A tab that indents a line confuses the parser about the rest of that line: report the tab alone. */
export function dropAfterTab(problems: Problem[], codes: string[]): Problem[] {
  const tabLines = new Set(problems.filter((_, i) => codes[i] === 'TAB_AS_INDENT').map((p) => p.line))
  return problems.filter((p, i) => codes[i] === 'TAB_AS_INDENT' || !tabLines.has(p.line))
}

/**
 * Where an error is shown. A quote left open is reported by the parser at the end
 * of the file; the mistake is where the quote opened.
 */
export function errorOffset(text: string, code: string, offset: number): number {
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

/** The parser's message in plain words: what is wrong, and where the parser's own words are unclear, why. */
export function yamlMessage(code: string, message: string): string {
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

/** What to do about a YAML error, for the errors whose usual cause is known. */
export function yamlFix(code: string, message: string): string | undefined {
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
