// SPDX-License-Identifier: Apache-2.0
// What Keystone holds, as the registration tasks of one run see it: each kind of
// entity listed once, at its first use, then kept up to date by the tasks' own
// changes. A no-change deploy thus costs one listing per kind instead of a few GETs
// per registered service (issue 9).
import { KeystoneClient } from '../openstack/keystone.ts'

export interface Named {
  id: string
  name: string
}

export interface Service extends Named {
  type: string
}

export interface Endpoint {
  id: string
  service_id: string
  interface: string
  url: string
  region_id: string
}

/** A direct role assignment as /v3/role_assignments lists it (a group's has `group` instead of `user`). */
export interface Assignment {
  role: { id: string }
  user?: { id: string }
}

/** The kinds listed, and what each listing holds. */
export interface Kinds {
  projects: Named
  roles: Named
  users: Named
  services: Service
  endpoints: Endpoint
}

// NOTE: the deployer's projects and users live in the default domain, where it logs them in.
const listPath: { [K in keyof Kinds]: string } = {
  projects: '/projects?domain_id=default',
  roles: '/roles',
  users: '/users?domain_id=default',
  services: '/services',
  endpoints: '/endpoints',
}

export class KeystoneState {
  private readonly lists = new Map<string, Promise<unknown[]>>()
  /** Password checks by user name: for which password, and the answer. */
  private readonly checks = new Map<string, { password: string; works: Promise<boolean> }>()

  constructor(readonly ks: KeystoneClient) {}

  /** Every entity of a kind; listed at the first ask, then from memory. */
  list<K extends keyof Kinds>(kind: K): Promise<Kinds[K][]> {
    return this.cached(kind, listPath[kind], kind) as Promise<Kinds[K][]>
  }

  /** The direct role assignments on a project; listed once per project. */
  assignments(projectId: string): Promise<Assignment[]> {
    return this.cached(
      `assignments of ${projectId}`,
      `/role_assignments?scope.project.id=${encodeURIComponent(projectId)}`,
      'role_assignments',
    ) as Promise<Assignment[]>
  }

  /** Record an entity a task made, so later tasks of the run find it. */
  async added<K extends keyof Kinds>(kind: K, entity: Kinds[K]): Promise<void> {
    ;(await this.list(kind)).push(entity)
  }

  /** Record a role a task gave a user on a project. */
  async assigned(projectId: string, userId: string, roleId: string): Promise<void> {
    ;(await this.assignments(projectId)).push({ role: { id: roleId }, user: { id: userId } })
  }

  /**
   * Whether the user logs in with this password. The first ask also checks, at the
   * same time, the other users of the run (`peers`, name → password) that exist: a
   * no-change deploy then waits for one round of logins, not one per service user.
   * NOTE: a peer's answer stays right until its own task changes its password, which
   * then records the new one (`passwordSet`); nothing else in a run changes passwords.
   */
  async passwordWorks(authUrl: string, name: string, password: string, peers: ReadonlyMap<string, string>): Promise<boolean> {
    if (this.checks.get(name)?.password !== password) {
      const existing = new Set((await this.list('users')).map((u) => u.name))
      for (const [user, pw] of new Map([...peers, [name, password]])) {
        if ((user === name || existing.has(user)) && this.checks.get(user)?.password !== pw) this.check(authUrl, user, pw)
      }
    }
    return this.checks.get(name)!.works
  }

  /** Record a password a task set (or a user it made with one): it works, no need to log in. */
  passwordSet(name: string, password: string): void {
    this.checks.set(name, { password, works: Promise.resolve(true) })
  }

  private check(authUrl: string, username: string, password: string): void {
    const works = KeystoneClient.passwordWorks({ authUrl, username, password })
    this.checks.set(username, { password, works })
    // A failed check is not kept (a later task asks again), nor left unhandled when no task awaits it yet.
    works.catch(() => this.checks.get(username)?.works === works && this.checks.delete(username))
  }

  private cached(key: string, path: string, field: string): Promise<unknown[]> {
    let listing = this.lists.get(key)
    if (!listing) {
      listing = this.ks.call<Record<string, unknown[] | undefined>>('GET', path).then((r) => r[field] ?? [])
      this.lists.set(key, listing)
      // A failed listing is not kept either: the next task lists again.
      const failed = listing
      failed.catch(() => this.lists.get(key) === failed && this.lists.delete(key))
    }
    return listing
  }
}

const states = new WeakMap<KeystoneClient, KeystoneState>()

/** The state of the run that logged in as `ks`: one per admin client, so a new login reads afresh. */
export function keystoneState(ks: KeystoneClient): KeystoneState {
  let state = states.get(ks)
  if (!state) states.set(ks, (state = new KeystoneState(ks)))
  return state
}
