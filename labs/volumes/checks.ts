// SPDX-License-Identifier: Apache-2.0
// Checks and solves of the volumes lab. Checks read Cinder and Nova as the checker,
// filtered by the student's project; solves act as the student and wait for the
// state the next action needs (Cinder refuses to snapshot or extend a busy volume).
import {
  deleteLabResources,
  ensureLabNetwork,
  fail,
  guestImageName,
  launchTinyServer,
  notReady,
  novaCall,
  pass,
  serversNamed,
  serverState,
  snapshotsNamed,
  volumesNamed,
  type CheckResult,
  type CinderVolume,
  type LabContext,
  waitFor,
} from '../../installer/labs/kit.ts'

export async function prepareServer(ctx: LabContext): Promise<void> {
  await ensureLabNetwork(ctx)
  await launchTinyServer(ctx, { name: ctx.vars.server!, network: ctx.vars.network! })
}

export async function cleanUp(ctx: LabContext): Promise<void> {
  await deleteLabResources(ctx, `${ctx.vars.student}-vol-`)
}

/** The one volume of that name: pass when `ok` says so of it, waiting while Cinder works on it. */
async function volumeCheck(ctx: LabContext, name: string, ok: (v: CinderVolume) => CheckResult): Promise<CheckResult> {
  const [v, ...more] = await volumesNamed(ctx, name)
  if (!v) return fail(`your project has no volume named ${name}`)
  if (more.length) return fail(`your project has ${more.length + 1} volumes named ${name}; delete the extra ones`)
  if (v.status.startsWith('error')) return fail(`${name} is in ${v.status}: delete it and make it again`)
  if (['creating', 'downloading', 'attaching', 'detaching', 'extending', 'reserved'].includes(v.status))
    return notReady(`${name} is ${v.status}`)
  return ok(v)
}

/** Poll as the checker until the volume of that name is in `status` (solves wait for Cinder). */
async function waitVolume(ctx: LabContext, name: string, status: string): Promise<CinderVolume> {
  let found: CinderVolume | undefined
  await waitFor(ctx, `${name} to be ${status}`, async () => {
    ;[found] = await volumesNamed(ctx, name)
    if (found?.status.startsWith('error')) throw new Error(`${name} went to ${found.status}`)
    return found?.status === status
  })
  return found!
}

export async function volumeAvailable(ctx: LabContext): Promise<CheckResult> {
  return volumeCheck(ctx, ctx.vars.volume!, (v) =>
    v.size === 1 ? pass(`${ctx.vars.volume} is ${v.status}`) : fail(`${ctx.vars.volume} is ${v.size} GiB, not 1`),
  )
}

export async function createVolume(ctx: LabContext): Promise<void> {
  if ((await volumesNamed(ctx, ctx.vars.volume!)).length) return
  await (await ctx.asStudent()).volume.createVolume({ name: ctx.vars.volume!, size: 1 })
}

export async function volumeAttached(ctx: LabContext): Promise<CheckResult> {
  const [server] = await serversNamed(ctx, ctx.vars.server!)
  if (!server) return fail(`your project has no instance named ${ctx.vars.server}`)
  const [volume] = await volumesNamed(ctx, ctx.vars.volume!)
  // Not asked to attach yet (or never): that is a fail, whatever Cinder is doing with the volume.
  if (volume && !volume.attachments.some((a) => a.server_id === server.id) && !['reserved', 'attaching'].includes(volume.status))
    return fail(`${ctx.vars.volume} is not attached to ${ctx.vars.server}`)
  return volumeCheck(ctx, ctx.vars.volume!, () => pass(`${ctx.vars.volume} is attached to ${ctx.vars.server}`))
}

export async function attachVolume(ctx: LabContext): Promise<void> {
  if ((await volumeAttached(ctx)).status === 'pass') return
  const volume = await waitVolume(ctx, ctx.vars.volume!, 'available')
  await waitFor(
    ctx,
    `${ctx.vars.server} to run`,
    async () => (await serverState(ctx, ctx.vars.server!, ctx.vars.network!)).result.status === 'pass',
  )
  const [server] = await serversNamed(ctx, ctx.vars.server!)
  if (!server) throw new Error(`no instance named ${ctx.vars.server}`)
  await novaCall(await ctx.asStudent(), 'POST', `/servers/${server.id}/os-volume_attachments`, {
    volumeAttachment: { volumeId: volume.id },
  })
}

export async function snapshotAvailable(ctx: LabContext): Promise<CheckResult> {
  const [snap] = await snapshotsNamed(ctx, ctx.vars.snapshot!)
  if (!snap) return fail(`your project has no snapshot named ${ctx.vars.snapshot}`)
  const [volume] = await volumesNamed(ctx, ctx.vars.volume!)
  if (snap.volume_id !== volume?.id) return fail(`${ctx.vars.snapshot} is not a snapshot of ${ctx.vars.volume}`)
  if (snap.status === 'creating') return notReady(`${ctx.vars.snapshot} is being made`)
  return snap.status === 'available' ? pass(`${ctx.vars.snapshot} is available`) : fail(`${ctx.vars.snapshot} is ${snap.status}`)
}

export async function takeSnapshot(ctx: LabContext): Promise<void> {
  if ((await snapshotsNamed(ctx, ctx.vars.snapshot!)).length) return
  const volume = await waitVolume(ctx, ctx.vars.volume!, 'in-use')
  const me = await ctx.asStudent()
  await me.session.request('volumev3', 'POST', '/snapshots', {
    body: { snapshot: { volume_id: volume.id, name: ctx.vars.snapshot, force: true } },
  })
}

export async function restoredAvailable(ctx: LabContext): Promise<CheckResult> {
  const [snap] = await snapshotsNamed(ctx, ctx.vars.snapshot!)
  return volumeCheck(ctx, ctx.vars.restored!, (v) =>
    snap && v.snapshot_id === snap.id
      ? pass(`${ctx.vars.restored} was made from ${ctx.vars.snapshot}`)
      : fail(`${ctx.vars.restored} was not made from ${ctx.vars.snapshot}`),
  )
}

export async function restoreSnapshot(ctx: LabContext): Promise<void> {
  if ((await volumesNamed(ctx, ctx.vars.restored!)).length) return
  let snap: { id: string; status: string } | undefined
  await waitFor(ctx, `${ctx.vars.snapshot} to be available`, async () => {
    ;[snap] = await snapshotsNamed(ctx, ctx.vars.snapshot!)
    return snap?.status === 'available'
  })
  const me = await ctx.asStudent()
  await me.session.request('volumev3', 'POST', '/volumes', {
    body: { volume: { name: ctx.vars.restored, snapshot_id: snap!.id, size: 1 } },
  })
}

export async function restoredExtended(ctx: LabContext): Promise<CheckResult> {
  return volumeCheck(ctx, ctx.vars.restored!, (v) =>
    v.size >= 2 ? pass(`${ctx.vars.restored} is ${v.size} GiB`) : fail(`${ctx.vars.restored} is ${v.size} GiB, not 2`),
  )
}

export async function extendRestored(ctx: LabContext): Promise<void> {
  const v = await waitVolume(ctx, ctx.vars.restored!, 'available')
  if (v.size >= 2) return
  const me = await ctx.asStudent()
  await me.session.request('volumev3', 'POST', `/volumes/${v.id}/action`, { body: { 'os-extend': { new_size: 2 } } })
}

export async function bootedFromVolume(ctx: LabContext): Promise<CheckResult> {
  const v = ctx.vars
  const { result, server } = await serverState(ctx, v.bootserver!, v.network!)
  if (!server) return result
  const s = server as typeof server & { image?: unknown; 'os-extended-volumes:volumes_attached'?: { id: string }[] }
  if (s.image && typeof s.image === 'object') return fail(`${v.bootserver} boots from the image, not from a volume`)
  const attached = s['os-extended-volumes:volumes_attached'] ?? []
  for (const { id } of attached) {
    const vol = (await ctx.checker.session.request<{ volume: CinderVolume }>('volumev3', 'GET', `/volumes/${id}`)).volume
    if (vol.volume_image_metadata?.image_name === guestImageName) return pass(`${v.bootserver} boots from a volume of ${guestImageName}`)
  }
  return fail(`${v.bootserver} has no volume made from ${guestImageName}`)
}

export async function bootFromVolume(ctx: LabContext): Promise<void> {
  const v = ctx.vars
  if ((await serversNamed(ctx, v.bootserver!)).length) return
  const me = await ctx.asStudent()
  const image = (await me.image.images({ name: guestImageName }))[0]
  const flavor = (await me.compute.flavors()).find((f) => f.name === 'm1.tiny')
  const network = (await me.network.networks({ name: v.network! }))[0]
  if (!image || !flavor || !network) throw new Error(`missing ${!image ? guestImageName : !flavor ? 'm1.tiny' : v.network}`)
  await novaCall(me, 'POST', '/servers', {
    server: {
      name: v.bootserver,
      flavorRef: flavor.id,
      networks: [{ uuid: network.id }],
      block_device_mapping_v2: [
        { boot_index: 0, uuid: image.id, source_type: 'image', destination_type: 'volume', volume_size: 1, delete_on_termination: true },
      ],
    },
  })
}
