// SPDX-License-Identifier: Apache-2.0
// A systemd unit enabled and running, restarted when one of its files changed in this
// run; or a unit a package enabled that must stay off.
import { shellQuote } from '../shell.ts'
import { must, probe } from './exec.ts'
import { changed, ok, type Task, type TaskContext, type UnitState } from './types.ts'

export interface ServiceSpec {
  role: string
  unit: string
  /** Files whose change restarts the unit. */
  files: string[]
}

export function serviceTask(spec: ServiceSpec): Task {
  const id = `${spec.role}.service`
  const u = shellQuote(spec.unit)
  return {
    id,
    title: spec.unit,
    unit: spec.unit,
    async apply(ctx) {
      const { enabled, active } = await unitState(ctx, spec.unit)
      const isEnabled = ['enabled', 'static', 'indirect', 'generated', 'alias'].includes(enabled)
      const touched = spec.files.filter((f) => ctx.changedFiles.has(f))
      const actions: string[] = []
      if (!isEnabled) actions.push('enable')
      if (active !== 'active') actions.push('start')
      else if (touched.length) actions.push(`restart (${touched.length} file(s) changed)`)
      if (!actions.length) return ok
      if (ctx.check) return changed(actions.join(', '))
      if (!isEnabled) await must(ctx, id, `systemctl enable ${u}`)
      await must(ctx, id, `systemctl ${active === 'active' ? 'restart' : 'start'} ${u}`)
      return changed(actions.join(', '))
    },
  }
}

export interface ServiceOffSpec {
  role: string
  unit: string
}

/** A unit stopped and disabled (left alone when its package is not installed). */
export function serviceOffTask(spec: ServiceOffSpec): Task {
  const id = `${spec.role}.service-off`
  const u = shellQuote(spec.unit)
  return {
    id,
    title: `${spec.unit} (off)`,
    unit: spec.unit,
    async apply(ctx) {
      const { enabled, active } = await unitState(ctx, spec.unit)
      const actions = [
        ...(['enabled', 'enabled-runtime', 'alias'].includes(enabled) ? ['disable'] : []),
        ...(['active', 'activating', 'reloading'].includes(active) ? ['stop'] : []),
        // A unit that failed (at boot, say) stays listed as failed until reset.
        ...(active === 'failed' ? ['reset-failed'] : []),
      ]
      if (!actions.length) return ok
      if (ctx.check) return changed(actions.join(', '))
      await must(ctx, id, `systemctl disable --now ${u}${active === 'failed' ? ` && systemctl reset-failed ${u}` : ''}`)
      return changed(actions.join(', '))
    },
  }
}

/** What the runner read before the phase, or a look of its own. */
async function unitState(ctx: TaskContext, unit: string): Promise<UnitState> {
  const known = ctx.unitStates?.get(unit)
  if (known) return known
  const r = await probe(ctx, unitStatesCommand([unit]))
  return parseUnitStates([unit], r.stdout)?.get(unit) ?? { enabled: '', active: '' }
}

/**
 * One command printing `enabled|active` for each unit, in order; `parseUnitStates` reads it.
 * NOTE: is-enabled prints nothing on stdout for a unit that is not installed.
 */
export function unitStatesCommand(units: readonly string[]): string {
  return `for u in ${units.map(shellQuote).join(' ')}; do printf '%s|%s\\n' "$(systemctl is-enabled -- "$u" 2>/dev/null)" "$(systemctl is-active -- "$u" 2>/dev/null)"; done`
}

export function parseUnitStates(units: readonly string[], stdout: string): Map<string, UnitState> | undefined {
  const lines = stdout.split('\n').filter(Boolean)
  if (lines.length !== units.length || !lines.every((l) => /^[a-z-]*\|[a-z-]+$/.test(l))) return undefined
  return new Map(lines.map((l, i) => [units[i]!, { enabled: l.split('|')[0]!, active: l.split('|')[1]! }]))
}
