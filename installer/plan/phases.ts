// SPDX-License-Identifier: Apache-2.0
// model + roles + rendered files → phases of tasks per host, in dependency order:
// prepare (one apt transaction per host), then each role in turn: files,
// databases, bootstrap, services, post-start steps, Keystone registration.
import type { Model, ModelHost } from '../model/types.ts'
import type { KeystoneClient } from '../openstack/keystone.ts'
import { postDeployPhase } from '../postdeploy/index.ts'
import { filesByHostAndRole, type RenderedFile } from '../render/render.ts'
import type { BootstrapStep, Role } from '../role/contract.ts'
import { placement } from './placement.ts'
import { commandTask } from '../tasks/command.ts'
import { databaseTask } from '../tasks/database.ts'
import { fileTask } from '../tasks/file.ts'
import { keystoneTask } from '../tasks/keystone.ts'
import { packagesTask } from '../tasks/packages.ts'
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
  /**
   * The admin client post-deploy uses: logged in when post-deploy starts, so its
   * token's catalog has the services registered earlier in the same run.
   * @default admin
   */
  postDeployAdmin?: () => Promise<KeystoneClient>
}

/** The phase after the roles: not a role, but selectable with --only like one. */
export const postDeploy = 'post-deploy'

export function buildPhases(model: Model, roles: readonly Role[], files: RenderedFile[], opts: PhaseOptions): Phase[] {
  const placed = placement(model, roles)
  const filesOf = filesByHostAndRole(files)
  // The common role is part of prepare, never a phase of its own.
  const isSelected = (r: Role) => r.name !== 'common' && (!opts.only?.length || opts.only.includes(r.name))
  const selected = placed.roles.filter(isSelected)
  // `--only prepare` installs every role's packages; otherwise prepare installs the selected roles'.
  const prepares = (r: Role) => r.name !== 'common' && (isSelected(r) || !!opts.only?.includes('prepare'))
  const limit = new Set(opts.limit ?? [])
  const inLimit = (h: ModelHost) => !limit.size || limit.has(h.name)
  const prepare: Phase = {
    id: 'prepare',
    title: 'packages',
    hosts: model.hosts.filter(inLimit).map((host) => {
      const mine = placed.rolesOn(host.name).filter(prepares)
      const ctx = { model, host }
      // apt's mirror and proxy (the common role's files) must be in place before apt runs.
      const aptFiles = filesOf(host.name, 'common').map((f) => fileTask(f))
      return { host, tasks: [...aptFiles, packagesTask({ packages: mine.flatMap((r) => r.packages(ctx)), debconf: mine.flatMap((r) => r.debconf?.(ctx) ?? []) })] }
    }),
  }
  const phases = selected.map((role) => rolePhase(model, role, placed.hostsOf(role), filesOf, opts, inLimit))
  const after = opts.stateDir && (!opts.only?.length || opts.only.includes(postDeploy)) ? [postDeployPhase(model, opts.postDeployAdmin ?? opts.admin, { stateDir: opts.stateDir })] : []
  return [prepare, ...phases, ...after.filter((p) => p.hosts.every((h) => inLimit(h.host)))].filter((p) => p.hosts.some((h) => h.tasks.length))
}

function rolePhase(
  model: Model,
  role: Role,
  hosts: readonly ModelHost[],
  filesOf: (host: string, role: string) => RenderedFile[],
  opts: PhaseOptions,
  inLimit: (h: ModelHost) => boolean,
): Phase {
  const first = hosts[0]
  // Databases are made over MariaDB's local socket, so on the database host when it runs this role.
  const dbHost = hosts.find((h) => h.address === model.database.host) ?? first
  return {
    id: role.name,
    title: role.description,
    hosts: hosts.filter(inLimit).map((host) => {
      const ctx = { model, host }
      const mine = filesOf(host.name, role.name)
      const steps = (role.bootstrap?.(ctx) ?? []).filter((s) => !s.once || host === first)
      const stepTasks = (when: BootstrapStep['when']) => steps.filter((s) => (s.when ?? 'before-start') === when).map(commandTask)
      const tasks: Task[] = [
        ...mine.map((f) => fileTask(f)),
        // Databases live on the database host but are created in the phase of the role that needs them.
        ...(host === dbHost ? databaseTasks(model, role) : []),
        ...stepTasks('before-start'),
        // Units kept off stop first: one may hold a port or memory a wanted unit needs.
        ...(role.unitsOff?.(ctx) ?? []).map((unit) => serviceOffTask({ role: role.name, unit })),
        ...role.units(ctx).map((unit) => serviceTask({ role: role.name, unit, files: mine.filter((f) => f.notify.includes(unit)).map((f) => f.path) })),
        ...stepTasks('after-start'),
        ...(host === first ? (role.register?.(model) ?? []).map((spec) => keystoneTask({ role: role.name, ...spec }, opts.admin, model.endpoints.keystone.internal)) : []),
      ]
      return { host, tasks }
    }),
  }
}

function databaseTasks(model: Model, role: Role): Task[] {
  return (role.databases?.(model) ?? []).map(({ database, service }) =>
    databaseTask({
      role: role.name,
      database,
      user: service,
      password: model.secrets[`${service}_database_password`],
      host: model.database.host,
    }),
  )
}
