// SPDX-License-Identifier: Apache-2.0
// model + roles + rendered files → phases of tasks per host, as a dependency graph:
// prepare (apt's own files), then the Python libraries of every role in one apt
// transaction, then one apt transaction per role, one after another; each role's
// phase (files, databases, bootstrap, services, post-start steps, Keystone
// registration) starts once its packages are in and the roles it needs are done.
import type { Model, ModelHost } from '../model/types.ts'
import type { KeystoneClient } from '../openstack/keystone.ts'
import { postDeployPhase, type GuestImageSource } from '../postdeploy/index.ts'
import { filesByHostAndRole, type RenderedFile } from '../render/render.ts'
import { libexecDir } from '../render/scripts.ts'
import type { BootstrapStep, Role } from '../role/contract.ts'
import { checkNeeds } from './graph.ts'
import { resolveCloud, type CloudPlan } from './resolve.ts'
import { commandTask } from '../tasks/command.ts'
import { copyTask } from '../tasks/copy.ts'
import { databaseTask } from '../tasks/database.ts'
import { fileTask } from '../tasks/file.ts'
import { keystoneTask } from '../tasks/keystone.ts'
import { waitPhasesTask } from '../tasks/wait-phases.ts'
import { librariesPhase, librariesTask } from '../tasks/libraries.ts'
import { HostPackages, packagesTask } from '../tasks/packages.ts'
import { putBackTask, type PutBack } from '../tasks/put-back.ts'
import { serviceOffTask, serviceTask } from '../tasks/service.ts'
import type { Phase, Task } from '../tasks/types.ts'

export type { Phase } from '../tasks/types.ts'

export interface PhaseOptions {
  /** Only these roles (and prepare). */
  only?: string[]
  /** Only these hosts. */
  limit?: string[]
  /** A Keystone client with admin rights, made when first needed. */
  admin: () => Promise<KeystoneClient>
  /** The project's state folder; with it, the post-deploy phase (flavors, demo project, networks, image) ends the run. */
  stateDir?: string
  /** Where post-deploy's test image comes from. @default built on this machine (postdeploy/index.ts) */
  guestImage?: GuestImageSource
  /**
   * The admin client post-deploy uses: logged in when post-deploy starts, so its
   * token's catalog has the services registered earlier in the same run.
   * @default admin
   */
  postDeployAdmin?: () => Promise<KeystoneClient>
  /** Folders from a backup, put back as their role starts to configure on their host (restore's first deploy). */
  putBack?: readonly PutBack[]
}

/** The phase after the roles: not a role, but selectable with --only like one. */
export const postDeploy = 'post-deploy'

export function buildPhases(model: Model, roles: readonly Role[], files: RenderedFile[], opts: PhaseOptions): Phase[] {
  const plan = resolveCloud(model, roles)
  const filesOf = filesByHostAndRole(files)
  // The common role is part of prepare, never a phase of its own.
  const isSelected = (r: Role) => r.name !== 'common' && (!opts.only?.length || opts.only.includes(r.name))
  // `--only prepare` installs every role's packages; otherwise the selected roles' are installed.
  const prepares = (r: Role) => r.name !== 'common' && (isSelected(r) || !!opts.only?.includes('prepare'))
  const limit = new Set(opts.limit ?? [])
  const inLimit = (h: ModelHost) => !limit.size || limit.has(h.name)
  const hosts = plan.hosts.filter((h) => inLimit(h.host))
  const prepare: Phase = {
    id: 'prepare',
    title: 'apt sources',
    // apt's mirror and proxy (the common role's files) must be in place before apt runs; its
    // steps (the deployment's CA into the trust store) before any service checks a certificate.
    hosts: hosts.map(({ host, roles: mine }) => ({
      host,
      tasks: [
        ...filesOf(host.name, 'common').map((f) => fileTask(f)),
        ...(mine.find((r) => r.role.name === 'common')?.steps ?? []).map((s) => commandTask(s)),
      ],
    })),
  }
  const ownersOf = usersNeeded(plan.roles, files)
  const installing = ownersFirst(plan.roles.filter(prepares), ownersOf)
  const shared = new Map(
    hosts.map(({ host, roles: mine }) => {
      const sets = mine.filter((r) => prepares(r.role))
      return [
        host.name,
        new HostPackages(
          sets.flatMap((r) => r.packages),
          sets.flatMap((r) => r.debconf),
        ),
      ]
    }),
  )
  const libraries: Phase = {
    id: librariesPhase,
    title: 'Python libraries',
    needs: ['prepare'],
    hosts: hosts.map(({ host }) => {
      const packages = shared.get(host.name)!
      return { host, tasks: packages.packages.length ? [librariesTask(packages)] : [] }
    }),
  }
  const packagePhases = [
    libraries,
    ...installing.map(
      (role, i): Phase =>
        // Every earlier one, not just the last: a role without packages has no phase, and its link would be lost.
        packagesPhase(
          role,
          plan,
          ['prepare', librariesPhase, ...installing.slice(0, i).map(packagesOf)],
          shared,
          inLimit,
          isSelected(role),
        ),
    ),
  ]
  const touchesUnits = unitWork(files)
  const phases = plan.roles
    .filter(isSelected)
    .map((role) => rolePhase(model, role, plan, filesOf, opts, inLimit, ownersOf(role).map(packagesOf), shared, touchesUnits))
  // Post-deploy uses the whole cloud: it waits for every role.
  const after =
    opts.stateDir && (!opts.only?.length || opts.only.includes(postDeploy))
      ? [
          {
            ...postDeployPhase(model, opts.postDeployAdmin ?? opts.admin, {
              stateDir: opts.stateDir,
              ...(opts.guestImage ? { guestImage: opts.guestImage } : {}),
            }),
            needs: ['prepare', ...packagePhases.map((p) => p.id), ...phases.map((p) => p.id)],
          },
        ]
      : []
  const all = [prepare, ...packagePhases, ...phases, ...after.filter((p) => p.hosts.every((h) => inLimit(h.host)))].filter((p) =>
    p.hosts.some((h) => h.tasks.length),
  )
  checkNeeds(all)
  return all
}

/** The phase that installs a role's packages. */
export const packagesOf = (role: Role) => `${role.name}.packages`

/**
 * A role's packages, on each of its hosts, in one apt transaction. dpkg takes one
 * transaction at a time, so these phases form a chain in deploy order, after the
 * libraries'; a role configures while the packages of the roles after it install,
 * which keeps the second core busy (apt is mostly one process at a time). Its unit
 * starts and steps wait only for an exclusive transaction (HostPackages.transact).
 */
function packagesPhase(
  role: Role,
  plan: CloudPlan,
  after: string[],
  shared: ReadonlyMap<string, HostPackages>,
  inLimit: (h: ModelHost) => boolean,
  configures: boolean,
): Phase {
  return {
    id: packagesOf(role),
    title: `${role.name}'s packages`,
    needs: after,
    hosts: plan
      .hostsOf(role)
      .filter(inLimit)
      .map((host) => {
        const here = plan.roleOn(host.name, role)!
        const tasks = here.packages.length
          ? [
              packagesTask({
                role: role.name,
                packages: here.packages,
                host: shared.get(host.name)!,
                // What beforePackages keeps for the role's configuration is left to the packages
                // when the role does not configure in this run (`--only prepare`, the layer).
                before: configures ? here.beforePackages : [],
                after: here.afterPackages,
              }),
            ]
          : []
        return { host, tasks }
      }),
  }
}

/**
 * The roles whose packages create users or groups that own a role's files: the role
 * configures only after those packages are in, not just its own.
 */
function usersNeeded(roles: readonly Role[], files: readonly RenderedFile[]): (role: Role) => Role[] {
  const creator = new Map(roles.flatMap((r) => (r.users ?? []).map((u) => [u, r] as const)))
  return (role) => {
    const names = new Set(files.filter((f) => f.role === role.name).flatMap((f) => [f.owner, f.group]))
    return [...new Set([...names].flatMap((n) => creator.get(n) ?? []))].filter((r) => r !== role)
  }
}

/**
 * Programs that start, stop or reload units (ceph-volume enables and starts ceph-osd@).
 * `systemctl show` and the like match too, which only makes a step wait more.
 */
const unitCommand = /\b(systemctl|invoke-rc\.d|deb-systemd-invoke|ceph-volume)\b/

/**
 * Whether a step starts, stops or reloads units: its command names systemctl, or a
 * script of ours that does (Ceph's ceph-mon, ceph-osd-*). Such a step waits for every
 * apt transaction on its host (HostPackages.whileSettled).
 */
export function unitWork(files: readonly RenderedFile[]): (step: BootstrapStep) => boolean {
  const scripts = files.filter((f) => f.path.startsWith(`${libexecDir}/`) && unitCommand.test(f.content)).map((f) => f.path)
  return (step) => step.touchesUnits ?? (!!step.run && (unitCommand.test(step.run) || scripts.some((path) => step.run!.includes(path))))
}

function rolePhase(
  model: Model,
  role: Role,
  plan: CloudPlan,
  filesOf: (host: string, role: string) => RenderedFile[],
  opts: PhaseOptions,
  inLimit: (h: ModelHost) => boolean,
  ownersPackages: readonly string[],
  shared: ReadonlyMap<string, HostPackages>,
  touchesUnits: (step: BootstrapStep) => boolean,
): Phase {
  return {
    id: role.name,
    title: role.description,
    needs: ['prepare', packagesOf(role), ...ownersPackages, ...(role.needs ?? [])],
    waits: role.unitsNeed ?? [],
    hosts: plan
      .hostsOf(role)
      .filter(inLimit)
      .map((host) => {
        const here = plan.roleOn(host.name, role)!
        const mine = filesOf(host.name, role.name)
        // Steps and unit starts run the services' code, and unit starts meet systemd's
        // reloads: each waits for the apt transactions that would break it (HostPackages.transact).
        const packages = shared.get(host.name)
        const settled = (t: Task, systemd: boolean): Task =>
          packages ? { ...t, apply: (ctx) => packages.whileSettled(() => t.apply(ctx), { systemd }) } : t
        // A step's check only reads: it waits for what would break the services' code, its
        // change also for what unit work must not meet (a guard that passes waits for neither).
        const gates = (systemd: boolean) =>
          packages
            ? {
                check: <T>(fn: () => Promise<T>) => packages.whileSettled(fn),
                run: <T>(fn: () => Promise<T>) => packages.whileSettled(fn, { systemd }),
              }
            : {}
        const stepTask = (s: BootstrapStep) =>
          s.copy
            ? settled(copyTask({ id: s.id, title: s.title, ...s.copy }, host.name), touchesUnits(s))
            : commandTask(s, gates(touchesUnits(s)))
        const stepTasks = (when: BootstrapStep['when']) => here.steps.filter((s) => (s.when ?? 'before-start') === when).map(stepTask)
        const tasks: Task[] = [
          // Old data first: the role's files and steps then find it as they would have.
          ...(opts.putBack ?? []).filter((p) => p.role === role.name && p.host === host.name).map(putBackTask),
          ...mine.map((f) => fileTask(f)),
          // Databases live on the database host but are created in the phase of the role that needs them.
          ...here.databases.map((d) => databaseTask({ role: role.name, ...d, host: model.database.host })),
          ...stepTasks('before-start'),
          ...(role.unitsNeed?.length ? [waitPhasesTask(role.name, role.unitsNeed)] : []),
          // Units kept off stop first: one may hold a port or memory a wanted unit needs.
          ...unitTasks(
            [
              ...here.unitsOff.map((unit) => serviceOffTask({ role: role.name, unit })),
              ...here.units.map((unit) =>
                serviceTask({ role: role.name, unit, files: mine.filter((f) => f.notify.includes(unit)).map((f) => f.path) }),
              ),
            ],
            packages,
          ),
          ...stepTasks('after-start'),
          ...here.registrations.map((spec) => keystoneTask({ role: role.name, ...spec }, opts.admin, model.endpoints.keystone.internal)),
        ]
        return { host, tasks }
      }),
  }
}

/** A role's unit tasks on a host, run together between the host's apt transactions (HostPackages.unitBatch). */
function unitTasks(tasks: Task[], packages: HostPackages | undefined): Task[] {
  if (!packages) return tasks
  const batch = packages.unitBatch(tasks.length)
  return tasks.map((t) => ({ ...t, apply: (ctx) => batch.run(() => t.apply(ctx)) }))
}

/**
 * The roles in deploy order, each moved after the roles whose users own its files
 * (usersNeeded): its phase waits for their packages, so with theirs in first it
 * configures as soon as its own are in (Ceph writes cinder's keyring as nova:cinder).
 */
export function ownersFirst(roles: readonly Role[], ownersOf: (role: Role) => Role[]): Role[] {
  const placed: Role[] = []
  const place = (role: Role, seen: Set<Role>) => {
    if (placed.includes(role) || seen.has(role)) return
    seen.add(role)
    for (const owner of ownersOf(role)) if (roles.includes(owner)) place(owner, seen)
    placed.push(role)
  }
  for (const role of roles) place(role, new Set())
  return placed
}
