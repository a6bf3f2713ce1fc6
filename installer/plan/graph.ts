// SPDX-License-Identifier: Apache-2.0
// The phases' needs form a graph the runner walks; a cycle would leave its phases
// waiting for each other for ever, so it is refused before anything runs.
import { StackhouseError } from '../errors.ts'
import type { Phase } from '../tasks/types.ts'

/** Throws, naming the cycle (`a → b → a`), when the phases' needs loop. Needs outside the run are ignored. */
export function checkNeeds(phases: readonly Phase[]): void {
  const needs = new Map(phases.map((p) => [p.id, [...(p.needs ?? []), ...(p.waits ?? [])].filter((n) => n !== p.id)]))
  const state = new Map<string, 'open' | 'done'>()
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done' || !needs.has(id)) return
    if (state.get(id) === 'open') {
      const loop = [...path.slice(path.indexOf(id)), id]
      throw new StackhouseError(`the roles' needs form a cycle: ${loop.join(' → ')}`, {
        kind: 'internal',
        role: id,
        fix: 'a role must not need, through others, a role that needs it',
      })
    }
    state.set(id, 'open')
    for (const n of needs.get(id)!) visit(n, [...path, id])
    state.set(id, 'done')
  }
  for (const p of phases) visit(p.id, [])
}
