// SPDX-License-Identifier: Apache-2.0
// Checks and solves of the object storage lab. Checks read the student's account
// as the checker (ResellerAdmin), and the public read without any token at all.
import { fail, httpFetch, pass, studentSwift, type CheckResult, type LabContext } from '../../installer/labs/kit.ts'

const object = 'hello.txt'
const at = (ctx: LabContext, name?: string) => `/${encodeURIComponent(ctx.vars.container!)}${name ? `/${encodeURIComponent(name)}` : ''}`

export async function containerExists(ctx: LabContext): Promise<CheckResult> {
  const r = await studentSwift(ctx).read('HEAD', at(ctx))
  return r.status === 404 ? fail(`your project has no container named ${ctx.vars.container}`) : pass(`${ctx.vars.container} exists`)
}

export async function createContainer(ctx: LabContext): Promise<void> {
  await (await ctx.asStudent()).objectStore.createContainer(ctx.vars.container!)
}

export async function objectUploaded(ctx: LabContext): Promise<CheckResult> {
  const r = await studentSwift(ctx).read('GET', at(ctx, object))
  if (r.status === 404) return fail(`${ctx.vars.container} has no object named ${object}`)
  const text = (await r.text()).trim()
  if (text !== ctx.vars.greeting) return fail(`${object} holds "${text.slice(0, 80)}", not "${ctx.vars.greeting}"`)
  return pass(`${object} says ${text}`)
}

export async function uploadObject(ctx: LabContext): Promise<void> {
  await (await ctx.asStudent()).objectStore.putObject(ctx.vars.container!, object, Buffer.from(`${ctx.vars.greeting}\n`))
}

export async function ownerSet(ctx: LabContext): Promise<CheckResult> {
  const r = await studentSwift(ctx).read('HEAD', at(ctx, object))
  if (r.status === 404) return fail(`${ctx.vars.container} has no object named ${object}`)
  const owner = r.headers.get('x-object-meta-owner')
  if (!owner) return fail(`${object} has no metadata property "owner"`)
  return owner === ctx.vars.student ? pass(`owner is ${owner}`) : fail(`owner is "${owner.slice(0, 40)}", not ${ctx.vars.student}`)
}

export async function setOwner(ctx: LabContext): Promise<void> {
  const me = await ctx.asStudent()
  // POST replaces all of an object's metadata: this lab's objects have no other.
  await me.session.fetch('object-store', 'POST', at(ctx, object), { headers: { 'x-object-meta-owner': ctx.vars.student! } })
}

export async function publicRead(ctx: LabContext): Promise<CheckResult> {
  const url = `${studentSwift(ctx).url}${at(ctx, object)}`
  // Anonymous: no token at all, as a browser or curl would ask.
  const r = await httpFetch(url, { signal: AbortSignal.timeout(15_000) })
  await r.body?.cancel()
  if (r.status === 200) return pass(`anyone can read ${url}`)
  if (r.status === 404) return fail(`${object} is gone from ${ctx.vars.container}`)
  return fail(`reading ${object} without a token is refused (HTTP ${r.status}): the container is not public`)
}

export async function makePublic(ctx: LabContext): Promise<void> {
  const me = await ctx.asStudent()
  await me.session.fetch('object-store', 'POST', at(ctx), { headers: { 'x-container-read': '.r:*,.rlistings' } })
}

export async function versionsKept(ctx: LabContext): Promise<CheckResult> {
  const swift = studentSwift(ctx)
  const head = await swift.read('HEAD', at(ctx))
  if (head.status === 404) return fail(`your project has no container named ${ctx.vars.container}`)
  if (head.headers.get('x-versions-enabled')?.toLowerCase() !== 'true') return fail(`versioning is off on ${ctx.vars.container}`)
  const r = await swift.read('GET', `${at(ctx)}?versions&format=json&prefix=${object}`)
  const versions = ((await r.json()) as { name: string }[]).filter((v) => v.name === object)
  if (versions.length < 2) return fail(`${object} has ${versions.length} version(s): upload it again, with new content`)
  return pass(`${object} has ${versions.length} versions`)
}

export async function keepVersions(ctx: LabContext): Promise<void> {
  const me = await ctx.asStudent()
  await me.session.fetch('object-store', 'POST', at(ctx), { headers: { 'x-versions-enabled': 'true' } })
  // The same content and owner again (a PUT replaces an object's metadata): the earlier steps still pass.
  await me.session.fetch('object-store', 'PUT', at(ctx, object), {
    body: Buffer.from(`${ctx.vars.greeting}\n`),
    headers: { 'x-object-meta-owner': ctx.vars.student! },
  })
}

/** The lab's containers (by the prefix of their names), with every object version in them. */
export async function removeContainers(ctx: LabContext): Promise<void> {
  const me = await ctx.asStudent()
  const s = me.session
  const account = await s.fetch('object-store', 'GET', '?format=json', { allow: [404] })
  const prefix = `${ctx.vars.student}-obj-`
  const containers =
    account.status === 404 ? [] : ((await account.json()) as { name: string }[]).map((c) => c.name).filter((c) => c.startsWith(prefix))
  for (const c of containers) {
    const path = `/${encodeURIComponent(c)}`
    await s.fetch('object-store', 'POST', path, { headers: { 'x-versions-enabled': 'false' }, allow: [404] })
    const list = await s.fetch('object-store', 'GET', `${path}?versions&format=json`, { allow: [404] })
    const versions = list.status === 404 ? [] : ((await list.json()) as { name: string; version_id?: string }[])
    for (const v of versions) {
      const q = v.version_id && v.version_id !== 'null' ? `?version-id=${encodeURIComponent(v.version_id)}` : ''
      await s.fetch('object-store', 'DELETE', `${path}/${v.name.split('/').map(encodeURIComponent).join('/')}${q}`, { allow: [404] })
    }
    for (const name of await me.objectStore.listContainer(c)) await me.objectStore.deleteObject(c, name)
    await me.objectStore.deleteContainer(c)
  }
}
