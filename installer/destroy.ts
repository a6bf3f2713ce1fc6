// SPDX-License-Identifier: Apache-2.0
// `stackhouse destroy`: sandbox hosts are removed whole; on servers, every unit
// is stopped, every package the cloud installed is purged, every file the deploy
// wrote is deleted (our own units among them), and so are the services' data and
// configuration folders.
import type { DestroyEvent } from './commands/events.ts'
import type { Project } from './project.ts'
import type { Model } from './model/types.ts'
import { filesByHostAndRole, render, type RenderedFile } from './render/render.ts'
import { resolveCloud } from './plan/resolve.ts'
import type { Role } from './role/contract.ts'
import { reachHosts, type ReachOptions } from './runner/connect.ts'
import { destroySandbox, listSandboxes } from './sandbox/index.ts'
import { shellQuote } from './shell.ts'
import { TaskError } from './tasks/types.ts'

/** What destroy did to one host. */
export interface DestroyedHost {
  host: string
  how: 'sandbox removed' | 'purged' | 'no sandbox host'
  packages: number
}

export interface DestroyReport {
  hosts: DestroyedHost[]
}

export interface DestroyOptions extends ReachOptions {
  /** Each host as its purge starts and ends (the CLI prints them as they come). */
  onEvent?: (e: DestroyEvent) => void
}

/** What a server runs to be purged: units off, packages purged, files and data deleted. Stops at the first real failure. */
export function purgeScript(what: PurgePlan): string {
  return [
    // NOTE: each tolerated failure in braces: `a && b || true && c` would hide a failed a or b.
    what.units.length ? `{ systemctl disable --now ${what.units.map(shellQuote).join(' ')} 2>/dev/null || true; }` : ':',
    'export DEBIAN_FRONTEND=noninteractive',
    what.packages.length ? `apt-get purge -y -q ${what.packages.map(shellQuote).join(' ')} >/dev/null` : ':',
    'apt-get autoremove --purge -y -q >/dev/null',
    ...what.undo.map((c) => `{ ${c} 2>/dev/null || true; }`),
    `rm -rf -- ${what.paths.map(shellQuote).join(' ')}`,
    'systemctl daemon-reload',
  ].join(' && ')
}

/** What purging a server removes, per host: its roles' units and packages, every file the deploy wrote, and the roles' leftovers. Pure. */
export function purgePlans(model: Model, roles: readonly Role[], files: readonly RenderedFile[]): Map<string, PurgePlan> {
  const filesOf = filesByHostAndRole(files)
  return new Map(
    resolveCloud(model, roles).hosts.map(({ host, roles: mine }) => {
      // NOTE: common's files are the host's own (/etc/hosts, apt sources): they stay; only its leftovers go.
      const written = mine
        .filter((r) => r.role.name !== 'common')
        .flatMap((r) => filesOf(host.name, r.role.name))
        .map((f) => f.path)
      const plan = {
        units: mine.flatMap((r) => r.units),
        packages: [...new Set(mine.flatMap((r) => r.packages))],
        paths: [...new Set([...mine.flatMap((r) => r.role.leftovers ?? []), ...written])],
        undo: [...new Set(mine.flatMap((r) => r.role.undo ?? []))],
      }
      return [host.name, plan]
    }),
  )
}

export interface PurgePlan {
  units: string[]
  packages: string[]
  paths: string[]
  /** The roles' `undo` commands, after the purge. */
  undo: string[]
}

export async function destroyCloud(project: Project, roles: readonly Role[], opts: DestroyOptions = {}): Promise<DestroyReport> {
  const { model } = project
  const { onEvent } = opts
  const done = (h: DestroyedHost): DestroyedHost => (onEvent?.({ type: 'host-destroyed', ...h }), h)
  if (model.target === 'sandbox' && !opts.local) {
    const existing = new Set(listSandboxes().map((s) => s.name))
    const names = model.hosts.map((h) => h.name).filter((n) => existing.has(n))
    for (const host of names) onEvent?.({ type: 'host-destroying', host, what: 'remove the sandbox host' })
    if (names.length) await destroySandbox(...names)
    return {
      hosts: model.hosts.map((h) => done({ host: h.name, how: existing.has(h.name) ? 'sandbox removed' : 'no sandbox host', packages: 0 })),
    }
  }
  const purges = purgePlans(model, roles, render(model, roles, project.overrides))
  const transports = await reachHosts(model.hosts, project.paths, opts)
  try {
    const hosts = await Promise.all(
      model.hosts.map(async (host) => {
        const plan = purges.get(host.name)!
        const { units, packages, paths } = plan
        onEvent?.({
          type: 'host-destroying',
          host: host.name,
          what: `stop ${units.length} units, purge ${packages.length} packages, delete ${paths.length} paths`,
        })
        const r = await transports.get(host.name)!.exec(purgeScript(plan))
        if (r.code !== 0) {
          const tail = r.stderr.trim().split('\n').slice(-5).join('\n')
          throw new TaskError(`destroy on ${host.name} failed (exit code ${r.code})`, {
            host: host.name,
            task: 'destroy.purge',
            exitCode: r.code,
            stderr: tail,
          })
        }
        return done({ host: host.name, how: 'purged', packages: packages.length })
      }),
    )
    return { hosts }
  } finally {
    await Promise.all([...transports.values()].map((t) => t.close()))
  }
}
