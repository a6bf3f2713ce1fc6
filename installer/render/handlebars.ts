// SPDX-License-Identifier: Apache-2.0
// The only module that imports handlebars. Templates are strict (a missing
// variable throws) and unescaped (these are config files, not HTML).
import { StackhouseError } from '../errors.ts'
import Handlebars from 'handlebars'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { packageRoot } from '../paths.ts'

// Partials shared by all roles: roles/_partials/<name>.hbs → {{> name}}.
const partialsDir = join(packageRoot, 'roles', '_partials')
for (const f of readdirSync(partialsDir).filter((n) => n.endsWith('.hbs'))) {
  Handlebars.registerPartial(f.slice(0, -4), readFileSync(join(partialsDir, f), 'utf8'))
}

type Compiled = (ctx: object) => string
const cache = new Map<string, Compiled>()

/** Thrown when a template cannot be compiled or is missing a variable; names the template file and line. An input error (exit 1). */
export class TemplateError extends StackhouseError {
  constructor(
    readonly template: string,
    line: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${template}${line ? `:${line}` : ''}: ${message}`, {
      kind: 'input',
      file: template,
      ...(line ? { line } : {}),
      cause: options?.cause,
    })
    this.name = 'TemplateError'
  }
}

/** Render the template file with the context. Compiled templates are cached per path. */
export function renderTemplate(path: string, ctx: object): string {
  let fn = cache.get(path)
  const shown = relative(packageRoot, path)
  if (!fn) {
    let source: string
    try {
      source = readFileSync(path, 'utf8')
    } catch (cause) {
      throw new TemplateError(shown, undefined, 'template file not found', { cause })
    }
    fn = Handlebars.compile(source, { strict: true, noEscape: true })
    cache.set(path, fn)
  }
  try {
    return fn(ctx)
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message : String(cause)
    // Handlebars reports "... - 17:4" (line:column) for strict lookups and parse errors.
    const m = /(?:- |line )(\d+)(?::\d+)?/.exec(msg)
    throw new TemplateError(shown, m ? Number(m[1]) : undefined, msg.split('\n')[0]!, { cause })
  }
}
