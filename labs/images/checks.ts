// SPDX-License-Identifier: Apache-2.0
// Checks and solves of the images lab. The upload is proven by its hash (the very
// file of the test guest), the snapshot by what Nova writes on it (its type and the
// image it was booted from), the share by Glance's member list.
import {
  deleteLabResources,
  ensureLabNetwork,
  fail,
  guestImageName,
  launchTinyServer,
  notReady,
  pass,
  serversNamed,
  novaCall,
  type CheckResult,
  type LabContext,
  waitForServer,
} from '../../installer/labs/kit.ts'
import type { Image } from '../../installer/openstack/image.ts'

export async function prepareNetwork(ctx: LabContext): Promise<void> {
  await ensureLabNetwork(ctx)
}

export async function cleanUp(ctx: LabContext): Promise<void> {
  await deleteLabResources(ctx, `${ctx.vars.student}-img-`)
}

/** The student's image of that name, as the checker sees it (Glance's owner filter). */
async function ownImage(ctx: LabContext, name: string): Promise<Image | undefined> {
  const q = new URLSearchParams({ owner: ctx.student.project.id, name })
  return (await ctx.checker.session.request<{ images: Image[] }>('image', 'GET', `/v2/images?${q.toString()}`)).images[0]
}

async function guestImage(ctx: LabContext): Promise<Image> {
  const [image] = await ctx.checker.image.images({ name: guestImageName, visibility: 'public' })
  if (!image) throw new Error(`the cloud has no public ${guestImageName} image`)
  return image
}

export async function imageUploaded(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const image = await ownImage(ctx, v.image!)
  if (!image) return fail(`your project has no image named ${v.image}`)
  if (image.status === 'queued') return fail(`${v.image} has no data yet: upload the file into it`)
  if (['saving', 'importing', 'uploading'].includes(image.status)) return notReady(`${v.image} is still ${image.status}`)
  if (image.status !== 'active') return fail(`${v.image} is ${image.status}: delete it and upload again`)
  if (image.visibility === 'public' || image.visibility === 'community') return fail(`${v.image} is ${image.visibility}: make it private`)
  if (image.disk_format !== 'qcow2') return fail(`${v.image} says its format is ${image.disk_format}, not qcow2`)
  if (image.os_hash_value !== (await guestImage(ctx)).os_hash_value) return fail(`${v.image} holds another file than ${guestImageName}`)
  if (image.os_type !== 'linux') return fail(`${v.image} has no property os_type=linux`)
  return pass(`${v.image}: ${guestImageName}'s file, private, os_type=linux`)
}

export async function uploadImage(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const me = await ctx.asStudent()
  const existing = (await me.image.images({ name: v.image!, owner: ctx.student.project.id }))[0]
  if (existing?.status === 'active') return
  if (existing) await me.image.deleteImage(existing.id)
  const data = await me.image.download((await guestImage(ctx)).id)
  const image = await me.image.createImage({
    name: v.image!,
    disk_format: 'qcow2',
    container_format: 'bare',
    visibility: 'private',
    os_type: 'linux',
  })
  await me.image.upload(image.id, data)
}

export async function snapshotTaken(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const snap = await ownImage(ctx, v.snapshot!)
  if (!snap) {
    const [server] = await serversNamed(ctx, v.server!)
    return fail(server ? `your project has no image named ${v.snapshot}: snapshot ${v.server}` : `launch ${v.server} from ${v.image} first`)
  }
  if (snap.image_type !== 'snapshot') return fail(`${v.snapshot} is an uploaded image, not a snapshot of an instance`)
  const base = await ownImage(ctx, v.image!)
  if (!base || snap.base_image_ref !== base.id) return fail(`${v.snapshot} is a snapshot of an instance not booted from ${v.image}`)
  if (snap.status === 'queued' || snap.status === 'saving') return notReady(`${v.snapshot} is still being saved`)
  if (snap.status !== 'active') return fail(`${v.snapshot} is ${snap.status}: delete it and take the snapshot again`)
  return pass(`${v.snapshot}: a snapshot of ${v.server}, booted from ${v.image}`)
}

export async function takeSnapshot(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  if (await ownImage(ctx, v.snapshot!)) return
  await launchTinyServer(ctx, { name: v.server!, network: v.network!, image: v.image! })
  const server = await waitForServer(ctx, v.server!, v.network!)
  await novaCall(await ctx.asStudent(), 'POST', `/servers/${server.id}/action`, { createImage: { name: v.snapshot } })
}

export async function imageShared(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const image = await ownImage(ctx, v.image!)
  if (!image) return fail(`your project has no image named ${v.image}`)
  if (image.visibility !== 'shared') return fail(`${v.image} is ${image.visibility}: only a shared image has members`)
  const { members } = await ctx.checker.session.request<{ members: { member_id: string; status: string }[] }>(
    'image',
    'GET',
    `/v2/images/${image.id}/members`,
  )
  const m = members.find((x) => x.member_id === v.neighbour_id)
  if (!m) return fail(`${v.neighbour} is not a member of ${v.image}`)
  const others = members.filter((x) => x !== m).length
  return pass(`${v.image} is shared with ${v.neighbour} (${m.status})${others ? ` and ${others} other project(s)` : ''}`)
}

export async function shareImage(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  const me = await ctx.asStudent()
  const image = (await me.image.images({ name: v.image!, owner: ctx.student.project.id }))[0]
  if (!image) throw new Error(`no image ${v.image}`)
  if (image.visibility !== 'shared')
    await me.session.request('image', 'PATCH', `/v2/images/${image.id}`, {
      body: [{ op: 'replace', path: '/visibility', value: 'shared' }],
      headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
    })
  await me.session.request('image', 'POST', `/v2/images/${image.id}/members`, { body: { member: v.neighbour_id }, allow: [409] })
}
