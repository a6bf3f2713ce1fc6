// SPDX-License-Identifier: Apache-2.0
// The first checks: Keystone issues tokens (admin and demo) with a full catalog,
// and every service in the catalog answers on its public endpoint.
import { httpFetch } from '../openstack/http.ts'
import { describeFetchFailure } from '../openstack/fetch.ts'
import { cloud } from '../openstack/index.ts'
import { KeystoneClient, KeystoneError } from '../openstack/keystone.ts'
import { demo } from '../postdeploy/names.ts'
import type { Check } from './check.ts'
import { need, type VerifyContext } from './context.ts'
import { apiHint } from './hints.ts'
import { CheckFailure } from './types.ts'

/** Service types the cloud's catalog must have, given what the inventory turns on. */
export function expectedServices(ctx: VerifyContext): string[] {
  const s = ctx.model.services
  return ['identity', 'compute', 'network', 'image', 'placement', ...(s.cinder ? ['volumev3'] : []), ...(s.swift ? ['object-store'] : [])]
}

async function login(ctx: VerifyContext, username: string, password: string, project: string): Promise<KeystoneClient> {
  try {
    return await KeystoneClient.login({ authUrl: ctx.model.endpoints.keystone.public, username, password, projectName: project })
  } catch (e) {
    const missingDemo = username === demo.user && e instanceof KeystoneError && e.status === 401
    const hint = missingDemo
      ? apiHint(ctx.model, 'identity', 'the post-deploy phase of "stackhouse deploy" makes the demo project and user: re-run the deploy')
      : apiHint(ctx.model, 'identity')
    throw new CheckFailure(`${username} cannot get a token for project ${project}: ${(e as Error).message}`, hint, { cause: e })
  }
}

export const tokenCheck: Check = {
  id: 'identity.token',
  name: 'token and catalog',
  hint: (ctx) => apiHint(ctx.model, 'identity'),
  async run(ctx) {
    const opts = { interface: 'public' as const, region: ctx.model.region }
    const admin = await login(ctx, 'admin', ctx.model.secrets.admin_password, 'admin')
    ctx.admin = cloud(admin, opts)
    const have = admin.catalog.map((c) => c.type)
    const missing = expectedServices(ctx).filter((t) => !have.includes(t))
    if (missing.length)
      throw new CheckFailure(
        `the catalog has no ${missing.join(', ')} (it has ${have.join(', ')})`,
        apiHint(ctx.model, 'identity', 'the register step of each role adds its service: re-run "stackhouse deploy"'),
      )
    for (const type of expectedServices(ctx)) ctx.admin.session.endpoint(type)
    return `admin token; ${have.length} services in the catalog (${[...have].sort().join(', ')})`
  },
}

/** The demo user's token: what a cloud user does (image, network, server, volume, object) runs as it. */
export const demoTokenCheck: Check = {
  id: 'identity.demo',
  name: `${demo.user} user token`,
  needs: ['identity.token'],
  async run(ctx) {
    const ks = await login(ctx, demo.user, ctx.model.secrets.demo_password, demo.project)
    ctx.demo = cloud(ks, { interface: 'public', region: ctx.model.region })
    return `${demo.user} in project ${demo.project} (${ks.projectId})`
  },
}

/** The URL whose answer shows a service is up without a token: its version document (Swift: /info). */
export function versionUrl(type: string, endpoint: string): string {
  const u = new URL(endpoint)
  return type === 'object-store' ? `${u.origin}/info` : type === 'identity' ? endpoint : `${u.origin}/`
}

async function probe(url: string): Promise<{ status: number; ms: number } | { error: string }> {
  const start = Date.now()
  try {
    const res = await httpFetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(15_000) })
    await res.arrayBuffer()
    return { status: res.status, ms: Date.now() - start }
  } catch (e) {
    return { error: describeFetchFailure(e) }
  }
}

export const endpointsCheck: Check = {
  id: 'identity.endpoints',
  name: 'every catalog endpoint answers',
  needs: ['identity.token'],
  async run(ctx) {
    const admin = need(ctx.admin, 'the admin session')
    const entries = admin.session.catalog.map((c) => ({ type: c.type, url: versionUrl(c.type, admin.session.endpoint(c.type)) }))
    const answers = await Promise.all(entries.map(async (e) => ({ ...e, answer: await probe(e.url) })))
    // Version documents answer 200, or 300 Multiple Choices where several API versions are served.
    const bad = answers.filter((a) => 'error' in a.answer || ![200, 300].includes(a.answer.status))
    const show = (a: (typeof answers)[number]) => `${a.type} ${'error' in a.answer ? a.answer.error : `HTTP ${a.answer.status}`} (${a.url})`
    if (bad.length)
      throw new CheckFailure(
        `${bad.length} of ${answers.length} endpoints do not answer: ${bad.map(show).join('; ')}`,
        apiHint(ctx.model, bad[0]!.type),
      )
    const ms = answers.map((a) => ('ms' in a.answer ? a.answer.ms : 0))
    return `${answers.length} endpoints answer (slowest ${Math.max(...ms)} ms)`
  },
}
