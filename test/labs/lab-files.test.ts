// SPDX-License-Identifier: Apache-2.0
// Broken lab files: each is the shipped first-instance lab with one mistake, and
// must be refused with the right line, column and fix; the shipped labs load.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { formatProblem } from '../../installer/inventory/problems.ts'
import { checkLab, fillText, labIds, labsDir, loadLab, LabFileError, textVariables } from '../../installer/labs/load.ts'

const good = readFileSync(join(labsDir, 'first-instance', 'lab.yaml'), 'utf8')
const functions = [
  'prepareNetwork',
  'cleanUp',
  'keypairExists',
  'createKeypair',
  'serverRuns',
  'launchServer',
  'addressRecorded',
  'recordAddress',
]
const root = mkdtempSync(join(tmpdir(), 'stackhouse-labs-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A lab folder `<case>/<folder>` with this lab.yaml and a checks.js exporting `exports` (none: no checks.js). */
function labFolder(dir: string, yaml: string | Buffer, exports: string[] | null): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'lab.yaml'), yaml)
  if (exports) writeFileSync(join(dir, 'checks.js'), exports.map((f) => `export async function ${f}() {}`).join('\n'))
  return dir
}

function edit(from: string, to: string): string {
  expect(good).toContain(from)
  return good.replace(from, to)
}

/** The line (1-based) of the first line of the good file that contains `text`. */
const lineOf = (text: string) => good.split('\n').findIndex((l) => l.includes(text)) + 1

/** `lab.yaml:<line of text + offset>:<column><sep><message>` as one line of the report (the fix on the next). */
function at(text: string, column: number, message: string, offset = 0, sep = ' '): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`^lab\\.yaml:${lineOf(text) + offset}:${column}${sep}${esc(message)}`, 'm')
}

const cases: { name: string; yaml: () => string | Buffer; exports?: string[] | null; folder?: string; want: RegExp }[] = [
  {
    name: 'a misspelt key',
    yaml: () => edit('title: Your first instance', 'titel: Your first instance'),
    want: at('title: Your', 1, '/titel: unknown key "titel"\n  fix: did you mean "title"?'),
  },
  { name: 'a missing key', yaml: () => edit('minutes: 20\n', ''), want: at('id: first-instance', 1, '/: missing required key "minutes"') },
  {
    name: 'minutes as words',
    yaml: () => edit('minutes: 20', 'minutes: twenty'),
    want: at('minutes:', 10, '/minutes: must be a whole number, got "twenty"'),
  },
  {
    name: 'a service that does not exist',
    yaml: () => edit('needs: [identity, compute, network, image]', 'needs: [identity, compute, dns]'),
    want: at('needs:', 28, '/needs/2: must be one of "identity", "compute"'),
  },
  {
    name: 'an unknown isolation',
    yaml: () => edit('isolation: project', 'isolation: shared'),
    want: at('isolation:', 12, '/isolation: must be one of "project", "exclusive"; got "shared"'),
  },
  {
    name: 'a step without a check',
    yaml: () => edit('    check: keypairExists\n', ''),
    want: at('- id: keypair', 5, '/steps/0: missing required key "check"'),
  },
  {
    name: 'two steps with one id',
    yaml: () => edit('- id: launch', '- id: keypair'),
    want: at('- id: launch', 9, '/steps/1/id: step id "keypair" is used by step 1 already'),
  },
  {
    name: 'a misspelt variable',
    yaml: () => edit('named **{{keypair}}**', 'named **{{keypiar}}**'),
    // The problem points at the start of the text (its block indicator).
    want: at('    text: |', 11, '/steps/0/text: unknown variable {{keypiar}}\n  fix: did you mean {{keypair}}?'),
  },
  {
    name: 'a Handlebars helper in a text',
    yaml: () => edit('named **{{keypair}}**', 'named **{{#if keypair}}x{{/if}}**'),
    want: /\/steps\/0\/text: "\{\{#if keypair\}\}" is not a variable\n {2}fix: only \{\{name\}\} is allowed/,
  },
  {
    name: 'a check that checks.ts does not export',
    yaml: () => edit('check: keypairExists', 'check: keypairExist'),
    want: at(
      'check: keypairExists',
      12,
      '/steps/0/check: checks.ts exports no function "keypairExist"\n  fix: did you mean "keypairExists"?',
    ),
  },
  {
    name: 'an id that is not the folder',
    yaml: () => good,
    folder: 'first-vm',
    want: at('id: first-instance', 5, `/id: id "first-instance" is not the folder's name "first-vm"\n  fix: write id: first-vm`),
  },
  {
    name: 'a YAML tag',
    yaml: () => edit('minutes: 20', 'minutes: !!binary aGk='),
    want: at('minutes:', 19, ': YAML tag !!binary is not allowed in a lab file', 0, ''),
  },
  {
    name: 'a key written twice',
    yaml: () => edit('minutes: 20', 'minutes: 20\nminutes: 30'),
    want: at('minutes:', 1, ': YAML syntax error', 1, ''),
  },
  {
    name: 'a parameter named like a built-in',
    yaml: () => edit("  server: '{{student}}-first-vm'", "  student: 'x'"),
    want: at("server: '{{student}}-first-vm'", 3, '/params/student: "student" is a built-in variable'),
  },
  { name: 'no checks beside the file', yaml: () => good, exports: null, want: /^lab\.yaml:1:1: no checks\.ts beside lab\.yaml/ },
  {
    name: 'a solve that is its check',
    yaml: () => edit('solve: createKeypair', 'solve: keypairExists'),
    want: /\/steps\/0\/solve: the solve is the check itself/,
  },
  {
    name: 'a found hint that names no function',
    yaml: () => edit('    solve: createKeypair\n', '    solve: createKeypair\n    hintFrom: keypairDiff\n'),
    want: /\/steps\/0\/hintFrom: checks\.ts exports no function "keypairDiff"/,
  },
  {
    name: 'a tab for indentation',
    yaml: () => edit("  keypair: '{{student}}-first-key'", "\tkeypair: '{{student}}-first-key'"),
    want: at("keypair: '{{student}}-first-key'", 1, ': YAML syntax error', 0, ''),
  },
  { name: 'an empty file', yaml: () => '', want: /^lab\.yaml:1:1 \/: the file is empty/ },
  {
    name: 'a binary file',
    yaml: () => Buffer.from([0x69, 0x64, 0x3a, 0x20, 0xff, 0xfe]),
    want: /^lab\.yaml:1:5: the file is not UTF-8 text/,
  },
  {
    name: 'a step id with spaces',
    yaml: () => edit('- id: console', '- id: the console'),
    want: /\/steps\/2\/id: got "the console", which is not valid here\n {2}fix: lower-case letters, digits and "-"/,
  },
]

describe('broken lab files', () => {
  it('covers at least 12 mistakes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12)
  })

  it.each(cases)('refuse $name, with the line and the fix', async (c) => {
    // The folder is named as the lab's id, unless the case is about that.
    const real = labFolder(
      join(root, `case-${cases.indexOf(c)}`, c.folder ?? 'first-instance'),
      c.yaml(),
      c.exports === undefined ? functions : c.exports,
    )
    const { lab, problems } = await checkLab(real, 'lab.yaml')
    expect(lab).toBeUndefined()
    expect(problems.map(formatProblem).join('\n')).toMatch(c.want)
    await expect(loadLab(real, 'lab.yaml')).rejects.toBeInstanceOf(LabFileError)
  })
})

describe('the shipped labs', () => {
  it.each(labIds())('%s loads, with every function it names', async (id) => {
    const lab = await loadLab(join(labsDir, id))
    expect(lab.file.id).toBe(id)
    for (const s of lab.file.steps) {
      expect(typeof lab.code[s.check]).toBe('function')
      expect(typeof lab.code[s.solve]).toBe('function')
    }
  })
})

describe('lab text', () => {
  it('fills {{name}} and nothing else', () => {
    expect(fillText('net {{ network }} in {{project}}', { network: 'n1', project: 'p' })).toBe('net n1 in p')
    expect(textVariables('a {{x}} b {{ y_2 }}')).toEqual({ names: ['x', 'y_2'] })
    expect(textVariables('{{> partial}}').bad).toBe('{{> partial}}')
    expect(textVariables('{{constructor.name}}').bad).toBe('{{constructor.name}}')
  })
})
