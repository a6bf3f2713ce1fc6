// SPDX-License-Identifier: Apache-2.0
// A systemd unit enabled and running, restarted when one of its files changed in this
// run; or a unit a package enabled that must stay off.
import { shellQuote } from '../shell.ts'
import { must, probe } from './_exec.ts'
import { changed, ok, type Task } from './types.ts'

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
    async apply(ctx) {
      const state = await probe(ctx, `systemctl is-enabled ${u} 2>/dev/null; systemctl is-active ${u} 2>/dev/null; true`)
      const [enabled = '', active = ''] = state.stdout.trim().split('\n')
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
    async apply(ctx) {
      // NOTE: is-enabled prints nothing on stdout for a unit that is not installed.
      const state = await probe(ctx, `printf '%s|%s' "$(systemctl is-enabled ${u} 2>/dev/null)" "$(systemctl is-active ${u} 2>/dev/null)"`)
      const [enabled = '', active = ''] = state.stdout.trim().split('|')
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
