// SPDX-License-Identifier: Apache-2.0
// What a role is: the packages, files and services of one OpenStack service on
// the hosts that run it. Roles are data; the renderer and the engine are generic.
import type { Model, ModelHost } from '../model/types.ts'
import type { CommandSpec } from '../tasks/command.ts'
import type { KeystoneSpec } from '../tasks/keystone.ts'
import type { DatabaseService } from '../render/openstack.ts'
import type { SecretKinds } from '../secrets/names.ts'

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
  /** The folder that holds the role's `templates/` (a role kept outside this package). @default roles/<name> */
  dir?: string
  /**
   * Roles whose phase must finish before this role's starts: the database and queue
   * before a service that syncs a schema or talks RPC, Keystone before a service that
   * registers with it. Roles whose needs are met configure at the same time. A role
   * that is off, or not in the run, is not waited for. @default []
   */
  needs?: readonly string[]
  /**
   * Roles whose phase must finish before this role's units start: its files and the
   * steps before its units run earlier, at the same time as those roles (nova's schema
   * migrations need MariaDB; nova-compute needs Placement). @default []
   */
  unitsNeed?: readonly string[]
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
  /**
   * Units that are up only once their log says so, running is not enough: the line
   * the unit's current process (its MainPID, as oslo.log prints it) logs when it is
   * ready, e.g. the DHCP agent after its first sync. `status` waits for it.
   */
  readyWhen?(ctx: RoleContext): ReadyMarker[]
  /**
   * Shell lines run in the role's apt transaction right before its packages install,
   * with dpkg's lock free: what the maintainer scripts should find (a stat override
   * that keeps a slow postinst step for the role's own configuration). Not run when the
   * role does not configure in the run (`--only prepare`, the sandbox layer): the packages
   * then do all they do. @default []
   */
  beforePackages?(ctx: RoleContext): string[]
  /**
   * Shell lines run right after the role's packages install, in the same transaction:
   * before any unit on the host may start (no unit starts during a transaction), they
   * undo what a maintainer script did that breaks a service other roles share (a site
   * enabled in Apache), or what `beforePackages` did. @default []
   */
  afterPackages?(ctx: RoleContext): string[]
  /** debconf answers pre-seeded before packages install: `package question type value`. */
  debconf?(ctx: RoleContext): string[]
  /** Databases the role needs, each with a user named after the service. */
  databases?(model: Model): { database: string; service: DatabaseService }[]
  /** Guarded commands: database schema sync, key setup, users in RabbitMQ… */
  bootstrap?(ctx: RoleContext): BootstrapStep[]
  /** Keystone entities: the service, its endpoints, its user. */
  register?(model: Model): Omit<KeystoneSpec, 'role'>[]
  /**
   * The secrets the role owns, by name and how each is made. Declared whether or not
   * the role is on, so turning it on later changes no other secret. Add the names to
   * `SecretRegistry` beside this (declare module) so they are typed everywhere.
   */
  secrets?: SecretKinds
  /**
   * The API the role serves: its Keystone catalog entry, from which the model's
   * endpoints (URLs and ports) are made, and where to look when it fails. Add the
   * role's name to `EndpointRegistry` beside this (declare module).
   */
  api?: RoleApi
  /**
   * Ports, by name, that the role's services listen on and other roles' configuration
   * connects to (mariadb's `mysql`: 3306): the model's connection settings are made
   * from them, as endpoints are made from `api`.
   */
  ports?: Readonly<Record<string, number>>
  /** Daemons behind the role's API that report in to it: what verify and status wait for. */
  daemons?(model: Model): RoleDaemon[]
  /** Data, configuration and log folders the packages leave behind, which `destroy` deletes after the purge. */
  leftovers?: readonly string[]
  /** What a backup carries of the role besides its databases, and what restore does after. */
  backup?(model: Model): RoleBackup | undefined
  /**
   * Shell commands `destroy` runs after the purge to undo what the role's steps did
   * outside its files (an alternative it registered). Each may fail (it may never have
   * run): its failure is ignored. Run as root on each of the role's hosts.
   */
  undo?: readonly string[]
  /**
   * The system users and groups the role's packages create. Another role whose files
   * one of them owns configures only once this role's packages are in (ceph writes
   * the cinder keyring as nova:cinder before cinder configures). @default []
   */
  users?: readonly string[]
}

/**
 * A role's part of a backup, besides its databases. Restore puts the folders back on
 * a fresh host after the role's packages are in and before its files, steps and units
 * (so Ceph's monitor starts from its old store, never a new one), and runs the
 * commands once the databases are loaded and their services started again.
 */
export interface RoleBackup {
  /** Folders or files of data the backup takes from the `on` host (Glance's images, Ceph's monitor store, Swift's builder files). */
  paths?: readonly string[]
  /** Which of the role's hosts holds the paths and runs the commands. @default 'first' */
  on?: StepTarget
  /**
   * Units that must not run while the paths are copied (a store that changes under a
   * live copy): stopped while the backup reads them and started after, and stopped
   * before restore puts them back (a restore run again finds them running).
   */
  stopWhileCopied?: readonly string[]
  /** Commands that bring what the restored databases feed into line with them (Neutron's resync of OVN's northbound database). */
  afterRestore?: readonly { title: string; run: string }[]
}

/** A unit's log line that says it is ready, from its current process. */
export interface ReadyMarker {
  unit: string
  log: string
  line: string
}

export interface RoleApi {
  /** Catalog service type, e.g. `identity`, `volumev3`. */
  type: string
  port: number
  /** Path of the public and internal URLs, e.g. `/v2.1`; '' for none. */
  path: string
  /** Path of the admin URL. @default path */
  adminPath?: string
  /** The process operators look at when the API fails, e.g. `nova-api`. */
  process: string
  /** Its log: a file, or the command that shows it (`journalctl -u swift-proxy`). */
  log: string
}

/** A daemon that reports in through an API (a Nova or Cinder service, a Neutron agent). */
export interface RoleDaemon {
  /** The API it reports to. */
  service: 'compute' | 'network' | 'volume'
  /** Its binary as the API names it, e.g. `nova-compute`, `neutron-l3-agent`. */
  binary: string
  log: string
}

/**
 * Which of the role's hosts run a step:
 * - `each`: every host the step is returned for;
 * - `first-control-host`: the first of the role's hosts in group `control`, which holds
 *   the database and the message queue (schema migrations, cluster bootstrap);
 * - `first`: the role's first host, in inventory order;
 * - `{ group }`: the role's hosts in that group.
 */
export type StepTarget = 'each' | 'first' | 'first-control-host' | { group: string }

export interface BootstrapStep extends CommandSpec {
  /** Where it runs, named instead of implied by the order of the role's hosts. @default 'each' */
  on?: StepTarget
  /** Before the role's units start (default), or after they run (e.g. users in RabbitMQ). */
  when?: 'before-start' | 'after-start'
  /**
   * Instead of a command: files made on host `from` (by its steps before this one),
   * copied to every other host the step runs on where they differ (installer/tasks/copy.ts).
   */
  copy?: { files: readonly string[]; from: string }
  /**
   * Whether its `run` starts, stops or reloads units, and so waits for every apt
   * transaction on the host (installer/plan/phases.ts). @default guessed from the
   * command and the scripts of ours it runs: set it for a script with several commands
   * of which this one touches none.
   */
  touchesUnits?: boolean
}

/** Declare a role; returns it unchanged, typed. */
export function defineRole(role: Role): Role {
  return role
}
