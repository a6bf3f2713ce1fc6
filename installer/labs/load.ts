// SPDX-License-Identifier: Apache-2.0
// Read a lab: labs/<id>/lab.yaml (YAML with positions, the schema, then the rules:
// unique step ids, known variables, every named function exported by checks.ts)
// and its code. Every problem is collected with file:line:column and the fix.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { closest } from '../closest.ts'
import { StackhouseError } from '../errors.ts'
import { decodeInventory } from '../inventory/decode.ts'
import { formatProblem, wholeFileProblem, type Problem } from '../inventory/problems.ts'
import { parseInventory, type InventorySource } from '../inventory/source.ts'
import { compileSchema, validateWith } from '../inventory/validate.ts'
import { packageRoot } from '../paths.ts'
import { foundVariables } from './found-vars.ts'
import type { LabAction, LabCheck, LabHint } from './context.ts'
import { labSchema, type LabFile } from './format.ts'

/** The labs that ship with Stackhouse. */
export const labsDir = join(packageRoot, 'labs')

/** A lab file that cannot be used; carries every problem. An input error (exit 1). */
export class LabFileError extends StackhouseError {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'), { kind: 'input' })
    this.name = 'LabFileError'
  }
}

export interface Lab {
  file: LabFile
  /** The lab's folder. */
  dir: string
  /** Its functions, by the names lab.yaml gives them. */
  code: Record<string, LabCheck | LabAction | LabHint>
}

const validate = compileSchema<LabFile>(labSchema)
const maxBytes = 256 * 1024
const builtins = ['class', 'number', 'student', 'project', 'user', 'cidr', 'gateway', 'dashboard', 'keystone', ...foundVariables]

/** The variables a text names: `{{name}}` only (no helpers, no blocks: lab files are not trusted code). */
export function textVariables(text: string): { names: string[]; bad?: string } {
  const names: string[] = []
  for (const m of text.matchAll(/\{\{(.*?)\}\}/gs)) {
    const name = /^\s*([a-zA-Z][a-zA-Z0-9_]*)\s*$/.exec(m[1]!)?.[1]
    if (!name) return { names, bad: m[0] }
    names.push(name)
  }
  return { names }
}

/** The text with each `{{name}}` replaced by its value (names were checked when the lab loaded). */
export function fillText(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g, (_, n: string) => vars[n] ?? `{{${n}}}`)
}

/** Check a lab folder; never throws for problems in it. */
export async function checkLab(
  dir: string,
  shownAs = relative(process.cwd(), join(dir, 'lab.yaml')) || 'lab.yaml',
): Promise<{ lab?: Lab; problems: Problem[] }> {
  const at = (message: string, fix: string): { problems: Problem[] } => ({
    problems: [{ file: shownAs, line: 1, column: 1, path: '', severity: 'error', message, fix }],
  })
  const path = join(dir, 'lab.yaml')
  if (!existsSync(path))
    return at(
      'no such file',
      `a lab is a folder with a lab.yaml and a checks.ts (see ${relative(process.cwd(), labsDir) || 'labs'}/README.md)`,
    )
  const st = statSync(path)
  if (!st.isFile()) return at('is not a regular file', 'lab.yaml must be a file')
  if (st.size > maxBytes)
    return at(`the file is ${st.size} bytes, more than the limit of ${maxBytes}`, 'a lab of fifty steps is well under 100 KiB')
  const decoded = decodeInventory(shownAs, readFileSync(path))
  if (decoded.text === undefined) return { problems: decoded.problems }
  const parsed = parseInventory(shownAs, decoded.text, 'a lab file')
  if (!parsed.source) return { problems: parsed.problems }
  const { value: file, problems } = validateWith(validate, parsed.source, 'start from one of the labs in labs/')
  if (!file) return { problems: [...parsed.problems, ...problems] }
  const code = await loadCode(dir)
  const all = [...parsed.problems, ...rules(file, parsed.source, basename(dir), code)].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  )
  if (all.some((p) => p.severity === 'error')) return { problems: all }
  return { lab: { file, dir, code: code.functions }, problems: all }
}

/** Load a lab folder; throws LabFileError when it has errors. */
export async function loadLab(dir: string, shownAs?: string): Promise<Lab> {
  const { lab, problems } = await checkLab(dir, shownAs)
  if (!lab) throw new LabFileError(problems.filter((p) => p.severity === 'error'))
  return lab
}

/** The ids of the labs in a folder (sub-folders with a lab.yaml), sorted. */
export function labIds(root = labsDir): string[] {
  if (!existsSync(root)) return []
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'lab.yaml')))
    .map((e) => e.name)
    .sort()
}

/** The folders of the labs in a folder, in id order. */
export function labDirs(root = labsDir): string[] {
  return labIds(root).map((id) => join(root, id))
}

/** Every lab in a folder, loaded (throws LabFileError on the first that has errors). */
export function loadLabs(root = labsDir): Promise<Lab[]> {
  return Promise.all(labDirs(root).map((dir) => loadLab(dir)))
}

interface LabCode {
  functions: Record<string, LabCheck | LabAction | LabHint>
  /** Why there is none: no module, or it failed to load. */
  missing?: string
}

/**
 * A lab's code. Run from the sources (vitest), checks.ts itself; run from dist/, a
 * shipped lab's compiled checks.js; a lab of the trainer's own may bring checks.js.
 */
async function loadCode(dir: string): Promise<LabCode> {
  const fromSources = import.meta.url.endsWith('.ts')
  const shipped = relative(labsDir, dir)
  const candidates = [
    ...(fromSources ? [join(dir, 'checks.ts')] : []),
    ...(!fromSources && !shipped.startsWith('..') ? [join(packageRoot, 'dist', 'labs', shipped, 'checks.js')] : []),
    join(dir, 'checks.js'),
  ]
  const found = candidates.find((c) => existsSync(c))
  if (!found) return { functions: {}, missing: `no ${fromSources ? 'checks.ts' : 'checks.js'} beside lab.yaml` }
  try {
    const mod = (await import(pathToFileURL(found).href)) as Record<string, unknown>
    const functions = Object.fromEntries(Object.entries(mod).filter((e): e is [string, LabCheck] => typeof e[1] === 'function'))
    return { functions }
  } catch (e) {
    return { functions: {}, missing: `${basename(found)} failed to load: ${(e as Error).message.split('\n')[0]}` }
  }
}

function rules(file: LabFile, source: InventorySource, folder: string, code: LabCode): Problem[] {
  const problems: Problem[] = []
  const add = (path: (string | number)[], message: string, fix: string, key = false) =>
    problems.push({ file: source.file, ...source.locate(path, { key }), path: `/${path.join('/')}`, severity: 'error', message, fix })
  if (file.id !== folder) add(['id'], `id "${file.id}" is not the folder's name "${folder}"`, `write id: ${folder}, or rename the folder`)
  const seen = new Map<string, number>()
  file.steps.forEach((s, i) => {
    const first = seen.get(s.id)
    if (first !== undefined) add(['steps', i, 'id'], `step id "${s.id}" is used by step ${first + 1} already`, 'give each step its own id')
    else seen.set(s.id, i)
  })
  // Variables: params may use the built-ins; texts and hints may use both.
  const checkText = (path: (string | number)[], text: string, known: string[]) => {
    const { names, bad } = textVariables(text)
    if (bad) add(path, `${JSON.stringify(bad.slice(0, 60))} is not a variable`, 'only {{name}} is allowed: no helpers, blocks or partials')
    for (const n of names.filter((x) => !known.includes(x))) {
      const guess = closest(n, known)
      add(path, `unknown variable {{${n}}}`, `${guess ? `did you mean {{${guess}}}? ` : ''}variables: ${known.join(', ')}`)
    }
  }
  for (const [k, v] of Object.entries(file.params)) {
    if (builtins.includes(k)) add(['params', k], `"${k}" is a built-in variable`, 'choose another name', true)
    checkText(['params', k], v, builtins)
  }
  const known = [...builtins, ...Object.keys(file.params)]
  file.steps.forEach((s, i) => {
    checkText(['steps', i, 'text'], s.text, known)
    s.hints.forEach((h, j) => checkText(['steps', i, 'hints', j], h, known))
  })
  // Every function the file names.
  if (code.missing) {
    problems.push(wholeFileProblem(source.file, code.missing, "a lab's checks, solves and setups are functions exported by its checks.ts"))
    return problems
  }
  const exported = Object.keys(code.functions)
  const named = (path: (string | number)[], fn: string | undefined) => {
    if (fn === undefined || exported.includes(fn)) return
    const guess = closest(fn, exported)
    add(
      path,
      `checks.ts exports no function "${fn}"`,
      guess ? `did you mean "${guess}"?` : `it exports: ${exported.join(', ') || 'nothing'}`,
    )
  }
  named(['setup'], file.setup)
  named(['cleanup'], file.cleanup)
  file.steps.forEach((s, i) => {
    named(['steps', i, 'setup'], s.setup)
    named(['steps', i, 'check'], s.check)
    named(['steps', i, 'solve'], s.solve)
    named(['steps', i, 'hintFrom'], s.hintFrom)
    if (s.check === s.solve)
      add(['steps', i, 'solve'], 'the solve is the check itself', 'a check only reads; write a separate solve function')
  })
  return problems
}
