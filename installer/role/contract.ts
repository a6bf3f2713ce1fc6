// SPDX-License-Identifier: Apache-2.0
// What a role is: the packages, files and services of one OpenStack service on
// the hosts that run it. Roles are data; the renderer and the engine are generic.
import type { Model, ModelHost } from '../model/types.ts'
import type { CommandSpec } from '../tasks/command.ts'
import type { KeystoneSpec } from '../tasks/keystone.ts'
import type { DatabaseService } from '../render/openstack.ts'

/** What a role's functions see: the whole model and the host being rendered. */
export interface RoleContext {
  model: Model
  host: ModelHost
}

/** One configuration file a host receives. */
export interface RoleFile {
  /** Absolute path on the host, e.g. `/etc/glance/glance-api.conf`. */
  path: string
  /** Template under `roles/<role>/templates/`. @default basename(path) + '.hbs' */
  template?: string
  /** Literal content instead of a template (for generated data such as JSON). */
  content?: string
  /** Values the template sees besides `model` and `host`. */
  vars?: Record<string, unknown>
  /** @default 'root' */
  owner?: string
  /** @default 'root' */
  group?: string
  /** @default 0o644 */
  mode?: number
  /**
   * `ini` files (oslo.config, paste, my.cnf) take operator overrides merged key by key;
   * other files are replaced whole by an override.
   * @default 'ini' when the path ends in .conf, .ini or .cnf, else 'text'
   */
  format?: 'ini' | 'text'
  /** systemd units restarted when this file changes. @default the role's units on this host */
  notify?: string[]
  /**
   * The content is the same on every host that gets the file (e.g. /etc/hosts), so it
   * is rendered once per cloud; with thousands of hosts that is the difference
   * between linear and quadratic time. @default false
   */
  sameOnEveryHost?: boolean
}

export interface Role {
  /** Folder name under `roles/`, and the service name operators use in overrides. */
  name: string
  /** One line for `stackhouse plan` and docs. */
  description: string
  /** Whether the role is on at all for this cloud (a switched-off service, another backend). */
  enabled(model: Model): boolean
  /** Hosts that run this role, in inventory order. */
  hosts(model: Model): ModelHost[]
  /** Debian packages installed on the host. */
  packages(ctx: RoleContext): string[]
  /** Configuration files the host receives. */
  files(ctx: RoleContext): RoleFile[]
  /** systemd units that must be enabled and running on the host. */
  units(ctx: RoleContext): string[]
  /**
   * Units the role's packages enable that this host must not run (a Swift replicator
   * with nothing to replicate): stopped and disabled, so a reboot does not start them.
   */
  unitsOff?(ctx: RoleContext): string[]
  /** debconf answers pre-seeded before packages install: `package question type value`. */
  debconf?(ctx: RoleContext): string[]
  /** Databases the role needs, each with a user named after the service. */
  databases?(model: Model): { database: string; service: DatabaseService }[]
  /** Guarded commands: database schema sync, key setup, users in RabbitMQ… */
  bootstrap?(ctx: RoleContext): BootstrapStep[]
  /** Keystone entities: the service, its endpoints, its user. */
  register?(model: Model): Omit<KeystoneSpec, 'role'>[]
}

export interface BootstrapStep extends CommandSpec {
  /** Run on the role's first host only (schema migrations, cluster bootstrap). @default false */
  once?: boolean
  /** Before the role's units start (default), or after they run (e.g. users in RabbitMQ). */
  when?: 'before-start' | 'after-start'
}

/** Declare a role; returns it unchanged, typed. */
export function defineRole(role: Role): Role {
  return role
}
