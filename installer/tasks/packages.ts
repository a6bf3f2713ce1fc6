// SPDX-License-Identifier: Apache-2.0
// Debian packages present: one apt transaction per role and host, non-interactive,
// with debconf answers pre-seeded and services held from starting until their
// configuration is written (Debian starts them unconfigured, and they crash-loop).
import { RenderValueError } from '../render/render.ts'
import { aptPathDir } from '../render/scripts.ts'
import { shellQuote } from '../shell.ts'
import { must, probe } from './exec.ts'
import { changed, ok, type Task, type TaskContext } from './types.ts'

/**
 * What the package tasks of one host share in a run: one look at every package they
 * install (one round trip, so a re-run with nothing to install costs one), every
 * debconf answer (set before each transaction: a package may arrive as another
 * role's dependency), and one `apt-get update`.
 */
export class HostPackages {
  readonly packages: string[]
  private state?: Promise<{ missing: Set<string>; interrupted: boolean }>
  private updated = false

  constructor(
    packages: readonly string[],
    /** debconf-set-selections lines: `package question type value`. */
    readonly debconf: readonly string[],
  ) {
    // NOTE: debconf-set-selections reads one answer per line: a value with a newline would add answers of its own.
    const broken = debconf.find((l) => /[\x00-\x1f\x7f]/.test(l))
    if (broken !== undefined) throw new RenderValueError('debconf answers', broken)
    this.packages = [...new Set(packages)].sort()
  }

  /** Which packages are missing and whether dpkg was left half-done, read once per run. */
  look(ctx: TaskContext): Promise<{ missing: Set<string>; interrupted: boolean }> {
    this.state ??= probe(ctx, packageStateCommand(this.packages)).then(({ stdout }) => {
      const { missing, interrupted } = parsePackageState(this.packages, stdout)
      return { missing: new Set(missing), interrupted }
    })
    return this.state
  }

  /** After a transaction (which followed a look): these are in, dpkg is clean, the lists are fresh. */
  async installed(pkgs: readonly string[]): Promise<void> {
    const state = await this.state
    for (const p of pkgs) state?.missing.delete(p)
    if (state) state.interrupted = false
    this.updated = true
  }

  get listsFresh(): boolean {
    return this.updated
  }

  /**
   * The Python libraries of every role went in first in this run (libraries.ts), or
   * none was missing: a role's transaction then unpacks only its own services' code
   * and programs, which no other role's service imports.
   */
  librariesFirst = false

  private transaction?: Promise<unknown>
  /** The transaction under way that holds all `whileSettled` work back, if it does. */
  private holding?: Promise<unknown>
  private readonly users = new Set<Promise<unknown>>()
  /** The `whileSettled` work that starts, stops or reloads units (`systemd: true`). */
  private readonly systemdUsers = new Set<Promise<unknown>>()

  /**
   * Runs `fn` (an apt transaction) after the one under way. An exclusive one also
   * waits for `whileSettled` work on the host to end and holds new work back until it
   * ends: a unit starting (or a `nova-manage`) imports Python modules, some only if
   * present, and one that dpkg is unpacking at that moment fails it with an ImportError
   * or an option never registered (seen: nova-compute's `no such option profiler`
   * while neutron's packages brought osprofiler). A transaction that unpacks no
   * library (`librariesFirst`) need not be exclusive: roles run their steps beside it.
   * It still keeps units from starting, stopping or reloading while it runs: its
   * maintainer scripts and its own end reload systemd, and a unit started during a
   * reload can fail to set up its cgroup (seen: ovs-vswitchd's restart, 219/CGROUP).
   */
  async transact<T>(fn: () => Promise<T>, { exclusive = true }: { exclusive?: boolean } = {}): Promise<T> {
    while (this.transaction) await this.transaction.catch(() => undefined)
    const run = (async () => {
      const before = exclusive ? this.users : this.systemdUsers
      while (before.size) await Promise.allSettled([...before])
      return fn()
    })()
    this.transaction = run
    if (exclusive) this.holding = run
    try {
      return await run
    } finally {
      if (this.transaction === run) this.transaction = undefined
      if (this.holding === run) this.holding = undefined
    }
  }

  /**
   * Runs `fn` while no apt transaction that would break it runs on the host (see
   * `transact`): work that starts, stops or reloads units (`systemd`) waits for any
   * transaction; other work only for an exclusive one.
   */
  async whileSettled<T>(fn: () => Promise<T>, { systemd = false }: { systemd?: boolean } = {}): Promise<T> {
    for (let blocking = this.blocking(systemd); blocking; blocking = this.blocking(systemd)) await blocking.catch(() => undefined)
    const run = fn()
    this.users.add(run)
    if (systemd) this.systemdUsers.add(run)
    try {
      return await run
    } finally {
      this.users.delete(run)
      this.systemdUsers.delete(run)
    }
  }

  /**
   * `count` unit tasks that run one after another (a role's units on the host) with no
   * transaction between them: the first waits as `whileSettled` work that touches
   * units does, then the batch holds transactions back until its last task ends.
   * Without it a transaction asked for during one start ran before the next start,
   * and a role with seven units waited for up to seven transactions. A failure ends
   * the hold, and so does a next task that has not begun `lingerMs` after the last
   * ended (the runner stopped the host's tasks): a batch never holds for good.
   */
  unitBatch(count: number, lingerMs = 2000): { run<T>(fn: () => Promise<T>): Promise<T> } {
    let left = count
    let release: (() => void) | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    const end = () => {
      clearTimeout(timer)
      release?.()
      release = undefined
    }
    const hold = async () => {
      for (let blocking = this.blocking(true); blocking; blocking = this.blocking(true)) await blocking.catch(() => undefined)
      const held = new Promise<void>((resolve) => (release = resolve))
      this.users.add(held)
      this.systemdUsers.add(held)
      // Registered first, so a transaction waiting on the sets finds them cleared.
      void held.then(() => {
        this.users.delete(held)
        this.systemdUsers.delete(held)
      })
    }
    return {
      run: async <T>(fn: () => Promise<T>): Promise<T> => {
        left--
        clearTimeout(timer)
        if (!release) await hold()
        try {
          const result = await fn()
          if (left > 0) (timer = setTimeout(end, lingerMs)).unref?.()
          else end()
          return result
        } catch (e) {
          end()
          throw e
        }
      },
    }
  }

  private blocking(systemd: boolean): Promise<unknown> | undefined {
    return systemd ? this.transaction : this.holding
  }
}

export interface PackagesSpec {
  /** The role whose packages these are: the task is `<role>.packages`. */
  role: string
  packages: string[]
  host: HostPackages
  /** Shell lines run right before the install (Role.beforePackages). */
  before?: readonly string[]
  /** Shell lines run after the install, before the transaction ends (Role.afterPackages). */
  after?: readonly string[]
}

// NOTE: policy-rc.d exit 101 makes invoke-rc.d (what maintainer scripts call) skip
// starting services; see /usr/share/doc/init-system-helpers/README.policy-rc.d.
const holdServices = `printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d`
const releaseServices = 'rm -f /usr/sbin/policy-rc.d'

/** Blocks until no other apt/dpkg holds dpkg's frontend lock (dpkg itself does not wait), 10 minutes at most. */
const waitForDpkgLock =
  // apt's lock, then dpkg's own: a killed apt can leave its dpkg (and a maintainer script) running.
  `timeout 600 python3 -c 'import fcntl; locks = [open(p, "w") for p in ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock")]; [fcntl.lockf(f, fcntl.LOCK_EX) for f in locks]'`

/**
 * debconf's answers (on stdin), set once dpkg is free. A maintainer script of a killed
 * run may still hold debconf's database ("config.dat is locked by another process"):
 * that is waited for too, up to 10 minutes; any other failure fails at once.
 */
export const setSelections = [
  'set -e',
  'answers=$(mktemp)',
  `trap 'rm -f "$answers"' EXIT`,
  'cat > "$answers"',
  waitForDpkgLock,
  'for try in $(seq 120); do',
  '  if err=$(debconf-set-selections "$answers" 2>&1); then break; fi',
  '  case $err in *locked*) if [ "$try" -lt 120 ]; then sleep 5; continue; fi ;; esac',
  '  echo "$err" >&2',
  '  exit 1',
  'done',
].join('\n')
/** Finish configuring unpacked packages, up to three tries (see the NOTE at the install line). */
const configurePending = 'for try in 1 2 3; do dpkg --configure -a && break; [ $try -lt 3 ] || exit 1; done'

/** Where roles/common's py3compile writes down the calls it defers, one per line. */
export const py3compileList = '/var/lib/stackhouse/py3compile.list'

/**
 * Byte-compile what the transaction's maintainer scripts wrote down, every package at
 * once on every core, then forget the list. A killed run leaves it, and the next
 * transaction compiles it (packageStateCommand counts it as unfinished work).
 * The system's py3compile: the wrapper's folder is only on the maintainer scripts' PATH.
 * NOTE: xargs splits each line into words; the wrapper only writes down calls whose
 * words hold no blank or quote.
 */
export function compileDeferred(list = py3compileList): string {
  const l = shellQuote(list)
  return `if [ -s ${l} ]; then sort -u ${l} | xargs -r -L1 -P "$(nproc)" py3compile; rm -f ${l}; fi`
}

const aptOptions = [
  '-y',
  '-q',
  '--no-install-recommends',
  '-o',
  'DPkg::Lock::Timeout=600',
  // apt sets the maintainer scripts' PATH itself (DPkg::Path): our py3compile comes first.
  '-o',
  `DPkg::Path=${aptPathDir}:/usr/sbin:/usr/bin:/sbin:/bin`,
  // Keep our rendered files over the packages' versions of them.
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
].join(' ')

export function packagesTask(spec: PackagesSpec): Task {
  const id = `${spec.role}.packages`
  const pkgs = [...new Set(spec.packages)].sort()
  const host = spec.host
  return {
    id,
    title: `${pkgs.length} packages`,
    async apply(ctx) {
      const state = await host.look(ctx)
      const missing = pkgs.filter((p) => state.missing.has(p))
      if (!missing.length && !state.interrupted) return ok
      const detail = missing.length
        ? `install ${missing.length}: ${missing.slice(0, 8).join(' ')}${missing.length > 8 ? ' …' : ''}`
        : 'finish an interrupted dpkg run'
      if (ctx.check) return changed(detail)
      const { before = [], after = [] } = spec
      // NOTE: lines after the install run before any unit may start, as no unit starts,
      // stops or reloads during a transaction (every program that does is systemctl's,
      // HostPackages.whileSettled): that needs no exclusivity of its own.
      await host.transact(
        async () => {
          if (host.debconf.length) await must(ctx, id, setSelections, { stdin: `${host.debconf.join('\n')}\n` })
          await must(ctx, id, transactionScript({ install: missing, update: !!missing.length && !host.listsFresh, before, after }))
        },
        { exclusive: !host.librariesFirst },
      )
      await host.installed(pkgs)
      return changed(detail)
    },
  }
}

/**
 * One apt transaction: services held, a killed run's dpkg finished, the lists
 * refreshed when asked, `before`, the packages installed (their setup retried once),
 * the deferred byte-compiling, `after`.
 */
export function transactionScript({
  install,
  update,
  before = [],
  after = [],
}: {
  install: readonly string[]
  update: boolean
  before?: readonly string[]
  after?: readonly string[]
}): string {
  const command = install.length ? `apt-get ${aptOptions} install ${install.map(shellQuote).join(' ')}` : ':'
  return [
    'set -e',
    holdServices,
    `trap ${shellQuote(releaseServices)} EXIT`,
    'export DEBIAN_FRONTEND=noninteractive',
    // A deployer killed mid-run leaves apt running on the host: wait for its lock.
    waitForDpkgLock,
    // A killed earlier run leaves dpkg half-done; finish it first.
    configurePending,
    ...(update ? [`apt-get ${aptOptions} update`] : []),
    // NOTE: a maintainer script can fail once and pass on the next try (the dashboard's
    // offline compress through pyScss fails now and then): retry the setup.
    ...before,
    `${command} || { echo 'retrying the packages whose setup failed' >&2; ${configurePending}; ${command}; }`,
    compileDeferred(),
    ...after,
    // What the held maintainer scripts could not do: dbus must read the policies of
    // the new services (polkit cannot take its bus name otherwise), systemd their units.
    'systemctl daemon-reload',
    'systemctl reload dbus.service 2>/dev/null || true',
  ].join('\n')
}

/** Between the two answers of `packageStateCommand`; no package is named so (names start with a letter or digit). */
const auditMark = '@dpkg-audit'

/**
 * One command (one round trip) for what the task looks at: which of the packages are
 * installed (dpkg-query), then whether a dpkg run was left half-done (the first line of
 * `dpkg --audit`, empty when none was) or a killed transaction left byte-compiling to do. `parsePackageState` reads its output.
 */
export function packageStateCommand(pkgs: readonly string[], deferred = py3compileList): string {
  const query = pkgs.length ? `dpkg-query -W -f='\${Package} \${db:Status-Abbrev}\\n' ${pkgs.map(shellQuote).join(' ')} 2>/dev/null; ` : ''
  return `${query}echo ${auditMark}; dpkg --audit 2>/dev/null | head -1; [ ! -s ${shellQuote(deferred)} ] || echo 'byte-compiling left from an earlier run'`
}

/** The packages not installed, in order, and whether dpkg has unfinished work; without the mark, assume it has (finishing is harmless). */
export function parsePackageState(pkgs: readonly string[], stdout: string): { missing: string[]; interrupted: boolean } {
  const lines = stdout.split('\n')
  const mark = lines.indexOf(auditMark)
  const installed = new Set(
    lines
      .slice(0, mark < 0 ? lines.length : mark)
      .filter((l) => /^\S+ ii/.test(l))
      .map((l) => l.split(' ')[0]!.split(':')[0]),
  )
  return { missing: pkgs.filter((p) => !installed.has(p)), interrupted: mark < 0 || lines.slice(mark + 1).some((l) => l.trim() !== '') }
}
