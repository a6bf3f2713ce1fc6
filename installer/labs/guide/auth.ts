// SPDX-License-Identifier: Apache-2.0
// Who is using the lab guide. Everyone logs in with their own Keystone user: a
// student as `lab-<class>-sNN` (their password is checked by Keystone), a trainer
// as a user with the admin role on the admin project. A login gets a random
// session id in an HttpOnly, SameSite=Strict cookie; sessions live in memory (a
// restart asks for the password again; progress is in the class's event file).
import { randomBytes } from 'node:crypto'
import { KeystoneClient, KeystoneError } from '../../openstack/index.ts'
import type { Project } from '../../project.ts'
import { Classroom } from '../classroom.ts'
import { HttpError } from './http.ts'

export type Identity = { role: 'student'; user: string; classId: string; number: number } | { role: 'trainer'; user: string }

export const sessionCookie = 'stackhouse_guide'
const sessionTtlMs = 12 * 3600_000
const maxSessions = 5_000
/** Failed logins per user and source allowed in the window before the guide stops asking Keystone. */
const maxFailures = 5
const failureWindowMs = 5 * 60_000

const studentUser = /^lab-([a-z][a-z0-9]{0,11})-s(\d{2,3})$/

export class Sessions {
  private readonly byId = new Map<string, { who: Identity; expires: number }>()
  private readonly failures = new Map<string, number[]>()

  constructor(
    private readonly project: Project,
    private readonly now: () => number = Date.now,
  ) {}

  /** Check the password with Keystone; a new session for the user. */
  async login(username: string, password: string, source: string): Promise<{ id: string; who: Identity }> {
    const key = `${source}\n${username}`
    const recent = (this.failures.get(key) ?? []).filter((t) => t > this.now() - failureWindowMs)
    if (recent.length >= maxFailures) throw new HttpError(429, 'too many failed logins: wait a few minutes, or ask your trainer')
    const who = await this.identify(username, password)
    if (!who) {
      this.failures.set(key, [...recent, this.now()])
      if (this.failures.size > maxSessions) this.failures.delete(this.failures.keys().next().value!)
      throw new HttpError(401, 'wrong user name or password')
    }
    this.failures.delete(key)
    const id = randomBytes(32).toString('base64url')
    // The oldest session goes first when the table is full.
    if (this.byId.size >= maxSessions) this.byId.delete(this.byId.keys().next().value!)
    this.byId.set(id, { who, expires: this.now() + sessionTtlMs })
    return { id, who }
  }

  /** The session's user, or undefined when the id is unknown or expired. */
  get(id: string | undefined): Identity | undefined {
    const s = id === undefined ? undefined : this.byId.get(id)
    if (!s) return undefined
    if (s.expires < this.now()) {
      this.byId.delete(id!)
      return undefined
    }
    return s.who
  }

  logout(id: string | undefined): void {
    if (id !== undefined) this.byId.delete(id)
  }

  /** The cookie that carries the session (or ends it, for an empty id). */
  static cookie(id: string, secure: boolean): string {
    const age = id ? Math.floor(sessionTtlMs / 1000) : 0
    return `${sessionCookie}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${age}${secure ? '; Secure' : ''}`
  }

  private async identify(username: string, password: string): Promise<Identity | undefined> {
    const authUrl = this.project.model.endpoints.keystone.public
    try {
      const m = studentUser.exec(username)
      if (m) {
        const [classId, number] = [m[1]!, Number(m[2])]
        // Only students the class made here: a Keystone user of that shape made elsewhere is not one of ours.
        if (number < 1 || !new Classroom(this.project, classId).hasStudent(number)) return undefined
        return (await KeystoneClient.passwordWorks({ authUrl, username, password }))
          ? { role: 'student', user: username, classId, number }
          : undefined
      }
      const ks = await KeystoneClient.login({ authUrl, username, password, projectName: 'admin' })
      return ks.scope.roles.includes('admin') ? { role: 'trainer', user: username } : undefined
    } catch (e) {
      if (e instanceof KeystoneError && e.status === 401) return undefined
      if (e instanceof KeystoneError) throw new HttpError(503, "the cloud's identity service did not answer: try again in a minute")
      throw e
    }
  }
}
