// SPDX-License-Identifier: Apache-2.0
// The lab kit's Keystone helpers: the identity API with a client's own token, and
// a login as a user the student made.
import { cloud, KeystoneClient, type Cloud } from '../../openstack/index.ts'
import type { LabContext } from '../context.ts'

/** Keystone's API (/v3) with the client's token: the checker's, or the student's domain-scoped one. */
export function identityCall<T>(c: Cloud, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return c.session.keystone.call<T>(method, path, body)
}

/**
 * Log in as a user the student made (in a domain of theirs), to a project: what a
 * solve does to act as that user. The password never leaves this process.
 */
export async function loginAs(
  ctx: LabContext,
  who: { username: string; password: string; userDomain: string; project: string; projectDomain: string },
): Promise<Cloud> {
  const ks = await KeystoneClient.login({
    authUrl: ctx.vars.keystone!,
    username: who.username,
    password: who.password,
    userDomain: who.userDomain,
    projectName: who.project,
    projectDomain: who.projectDomain,
  })
  return cloud(ks, { ...(ctx.checker.session.region ? { region: ctx.checker.session.region } : {}) })
}
