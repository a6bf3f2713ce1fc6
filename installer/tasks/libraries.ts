// SPDX-License-Identifier: Apache-2.0
// The Python libraries of every role on a host, in one apt transaction before any
// role's own packages. A service that starts imports its libraries, and some only if
// they are there (nova tries osprofiler): one that another role's transaction is
// unpacking at that moment breaks the start. With the libraries in first, a role's
// transaction unpacks only its services' own code and programs, which no other
// role's service imports, so roles configure while later roles' packages install.
import { shellQuote } from '../shell.ts'
import { must, probe } from './exec.ts'
import { setSelections, transactionScript, type HostPackages } from './packages.ts'
import { changed, ok, type Task } from './types.ts'

const sourcesMark = '@sources'

/**
 * One command: the packages apt would install for `pkgs` (`inst <name>` lines, from a
 * simulation that changes nothing), then the Package and Source fields of `pkgs` and
 * of every python3 package among them. `parseLibraries` reads it.
 */
export function librariesCommand(pkgs: readonly string[]): string {
  const names = pkgs.map(shellQuote).join(' ')
  return [
    'set -e -o pipefail',
    `sim=$(apt-get -s -q --no-install-recommends install ${names})`,
    // A multi-arch host names some packages name:arch.
    `insts=$(printf '%s\\n' "$sim" | awk '$1 == "Inst" { sub(/:.*/, "", $2); print $2 }')`,
    `printf '%s\\n' "$insts" | awk 'NF { print "inst", $1 }'`,
    `echo ${sourcesMark}`,
    `py=$(printf '%s\\n' "$insts" | grep '^python3-' || true)`,
    // Unquoted on purpose: one word per package name (names hold no spaces or globs).
    '# shellcheck disable=SC2086',
    `apt-cache show --no-all-versions ${names} $py | awk '/^(Package|Source):/'`,
  ].join('\n')
}

/**
 * The libraries among what apt would install: python3 packages not built from the
 * source of a service package the roles name (python3-nova comes with nova-api,
 * python3-rados with ceph-common; python3-osprofiler or python3-django are libraries).
 */
export function parseLibraries(named: readonly string[], output: string): string[] {
  const [insts = '', fields = ''] = output.split(`${sourcesMark}\n`)
  const source = new Map<string, string>()
  let current = ''
  for (const line of fields.split('\n')) {
    const [key, value = ''] = line.split(/:\s*/, 2)
    // Source may carry a version in brackets: `Source: nova (2:26.2.2-1)`.
    if (key === 'Package') source.set((current = value.trim()), current)
    else if (key === 'Source' && current) source.set(current, value.trim().split(' ')[0]!)
  }
  const services = new Set(named.filter((n) => !n.startsWith('python3-')).map((n) => source.get(n) ?? n))
  return insts
    .split('\n')
    .filter((l) => l.startsWith('inst '))
    .map((l) => l.slice(5).trim())
    .filter((p) => p.startsWith('python3-') && !services.has(source.get(p) ?? p))
}

/** The phase before every role's packages, and its task on each host. */
export const librariesPhase = 'libraries.packages'

/** The task of the phase before every role's packages on a host: the host's libraries, in one transaction. */
export function librariesTask(host: HostPackages): Task {
  const id = librariesPhase
  return {
    id,
    title: 'Python libraries of every role',
    async apply(ctx) {
      const state = await host.look(ctx)
      const missing = host.packages.filter((p) => state.missing.has(p))
      if (!missing.length && !state.interrupted) {
        host.librariesFirst = true
        return ok
      }
      if (ctx.check) {
        // Read-only; on lists never refreshed it may fail, and then the count is unknown.
        const r = await probe(ctx, librariesCommand(missing))
        const libs = r.code === 0 ? parseLibraries(missing, r.stdout) : undefined
        return libs?.length === 0
          ? ok
          : changed(libs ? `install ${libs.length} ${libs.length === 1 ? 'library' : 'libraries'}` : 'install the libraries')
      }
      let libs: string[] | undefined
      await host.transact(async () => {
        // The simulation needs fresh lists; a killed run's dpkg work is finished here too.
        await must(ctx, id, transactionScript({ install: [], update: !host.listsFresh }))
        await host.installed([])
        const sim = await probe(ctx, librariesCommand(missing))
        // apt cannot resolve them (a package that does not exist): the role that names it
        // fails in its own transaction, with apt's words; until then every one is exclusive.
        if (sim.code !== 0) return
        libs = parseLibraries(missing, sim.stdout)
        if (!libs.length) return
        if (host.debconf.length) await must(ctx, id, setSelections, { stdin: `${host.debconf.join('\n')}\n` })
        // Marked automatic: they are there for the roles' packages, and leave with them.
        const after = [`apt-mark auto ${libs.map(shellQuote).join(' ')} >/dev/null`]
        await must(ctx, id, transactionScript({ install: libs, update: false, after }))
      })
      if (!libs) return { status: 'ok', detail: "apt cannot resolve the roles' packages: each role's transaction installs its own" }
      host.librariesFirst = true
      return libs.length ? changed(`install ${libs.length}: ${libs.slice(0, 6).join(' ')}${libs.length > 6 ? ' …' : ''}`) : ok
    },
  }
}
