// SPDX-License-Identifier: Apache-2.0
// The import graph's rules, checked over the source: no cycle (type imports count,
// they couple modules too), no module reaching into another folder's private `_`
// module, and roles written against the one role-authoring surface.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const surface = 'installer/role/index.ts'

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/** Relative imports and re-exports of a file, as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gm),
    ...text.matchAll(/^\s*import\s+'(\.{1,2}\/[^']+)'/gm),
  ]
  return specs.map((m) =>
    relative(root, resolve(root, dirname(file), m[1]!))
      .split(sep)
      .join('/'),
  )
}

const files = [...sources('installer'), ...sources('roles')].map((f) => f.split(sep).join('/'))
const graph = new Map(files.map((f) => [f, importsOf(f)]))

/** Strongly connected components with more than one module (Tarjan). */
function cycles(): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const found: string[][] = []
  const visit = (v: string): void => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!index.has(w)) visit(w)
      if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, low.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const component: string[] = []
    let w: string
    do {
      w = stack.pop()!
      component.push(w)
    } while (w !== v)
    if (component.length > 1) found.push(component.sort())
  }
  for (const f of files) if (!index.has(f)) visit(f)
  return found
}

describe('the import graph', () => {
  it('reads every module', () => {
    expect(files.length).toBeGreaterThan(100)
    expect(graph.get('roles/index.ts')).toContain('roles/keystone/role.ts')
  })

  it('has no cycle', () => {
    expect(cycles()).toEqual([])
  })

  it("never reaches into another folder's private _ module", () => {
    const bad = [...graph].flatMap(([from, to]) =>
      to.filter((t) => t.split('/').pop()!.startsWith('_') && dirname(t) !== dirname(from)).map((t) => `${from} → ${t}`),
    )
    expect(bad).toEqual([])
  })

  it('lets roles import from installer/ only the role-authoring surface', () => {
    const bad = [...graph]
      .filter(([from]) => from.startsWith('roles/'))
      .flatMap(([from, to]) => to.filter((t) => t.startsWith('installer/') && t !== surface).map((t) => `${from} → ${t}`))
    expect(bad).toEqual([])
  })

  it('keeps the engine free of roles: only the CLI and the project loader name the built-in roles', () => {
    const bad = [...graph]
      .filter(([from]) => from.startsWith('installer/') && !from.startsWith('installer/cli/'))
      .flatMap(([from, to]) => to.filter((t) => t.startsWith('roles/') && from !== 'installer/project.ts').map((t) => `${from} → ${t}`))
    expect(bad).toEqual([])
  })

  it('keeps the engine (role, plan, render, tasks, runner, transport) free of the sandbox and the CLI', () => {
    const engine = [
      'installer/role/',
      'installer/plan/',
      'installer/render/',
      'installer/tasks/',
      'installer/runner/',
      'installer/transport/',
    ]
    const bad = [...graph]
      .filter(([from]) => engine.some((d) => from.startsWith(d)))
      .flatMap(([from, to]) =>
        to.filter((t) => t.startsWith('installer/sandbox/') || t.startsWith('installer/cli/')).map((t) => `${from} → ${t}`),
      )
    expect(bad).toEqual([])
  })
})
