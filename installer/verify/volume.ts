// SPDX-License-Identifier: Apache-2.0
// A 1 GB volume is made, attached to the test server, seen inside the guest as
// vdb (/proc/partitions over SSH, and the guest's own "disks changed:" line on
// its console), detached, and deleted.
import type { Check } from './check.ts'
import { hintFor, need, since, waitFor, type VerifyContext } from './context.ts'
import { connectGuest } from './guest-ssh.ts'
import { consoleTail } from './server.ts'
import { demoKeyPath } from '../postdeploy/names.ts'
import { daemonLog } from './hints.ts'
import { CheckFailure } from './types.ts'
import type { VolumeApi } from '../openstack/volume.ts'

const cinderHint = (ctx: VerifyContext) => hintFor(ctx.model, 'cinder-volume', 'storage', daemonLog(ctx, 'cinder-volume'))

/** Wait until the volume has `status`; fails on error states with the volume's status. */
function volumeStatus(volumes: VolumeApi, id: string, status: string, timeoutMs: number): Promise<true> {
  return waitFor(`volume ${id} ${status}`, timeoutMs, async () => {
    const v = await volumes.volume(id)
    if (!v) throw new CheckFailure(`volume ${id} vanished`)
    if (v.status.startsWith('error')) throw new CheckFailure(`volume ${id} is ${v.status}`)
    return v.status === status ? true : undefined
  })
}

/** What the guest sees: does /proc/partitions list vdb (within 60 s of the attach)? Only when SSH worked. */
async function guestSees(ctx: VerifyContext, address: string | undefined): Promise<boolean | undefined> {
  if (!ctx.sshReady || !address) return undefined
  const shell = await connectGuest(address, demoKeyPath(ctx.stateDir), 30_000)
  try {
    // The PCI hotplug reaches the guest's kernel a moment after Cinder says in-use.
    return await waitFor('vdb in /proc/partitions', 60_000, async () =>
      /\bvdb\b/.test((await shell.run('cat /proc/partitions')).stdout) ? true : undefined,
    ).catch(() => false)
  } finally {
    shell.close()
  }
}

export const volumeCheck: Check = {
  id: 'volume.attach',
  name: 'volume attached and seen in the guest',
  needs: ['server.boot', 'volume.services'],
  notApplicable: (ctx) => (ctx.model.services.cinder ? undefined : 'Cinder is off in the inventory'),
  hint: cinderHint,
  async run(ctx) {
    const c = need(ctx.demo, 'the demo session')
    const server = need(ctx.server, 'the server')
    const start = Date.now()
    const vol = await c.volume.createVolume({ name: `stackhouse-verify-${ctx.run}`, size: 1 })
    // Deleted last: once the server is gone it is detached; with --keep, detached from the kept server.
    ctx.made(
      `volume ${vol.id}`,
      async () => {
        await c.compute.detachVolume(server.id, vol.id).catch(() => undefined)
        await waitFor(`volume ${vol.id} detached`, 180_000, async () =>
          ['in-use', 'detaching', 'attaching', 'reserved'].includes((await c.volume.volume(vol.id))?.status ?? '') ? undefined : true,
        )
        await c.volume.deleteVolume(vol.id)
      },
      { last: true },
    )
    await volumeStatus(c.volume, vol.id, 'available', 120_000)
    const created = since(start)
    await c.compute.attachVolume(server.id, vol.id)
    await volumeStatus(c.volume, vol.id, 'in-use', 120_000).catch((e: unknown) => {
      throw new CheckFailure(
        `${(e as Error).message} after the attach request`,
        hintFor(
          ctx.model,
          'nova-compute',
          server.host ?? 'compute',
          `${daemonLog(ctx, 'nova-compute')} and ${daemonLog(ctx, 'cinder-volume')}`,
        ),
        { cause: e },
      )
    })
    const inGuest = await guestSees(ctx, ctx.floatingIp?.address)
    const line = await waitFor(
      'the guest printing "disks changed: … vdb"',
      60_000,
      async () => ((await consoleTail(ctx, 400)).match(/disks changed: [^\n]*vdb/) ?? undefined)?.[0],
      3000,
    ).catch(() => undefined)
    if (inGuest === false || (!line && inGuest === undefined)) {
      throw new CheckFailure(
        `volume ${vol.id} is in-use but the guest ${inGuest === false ? 'has no vdb in /proc/partitions' : 'did not report a new disk on its console'}`,
        hintFor(ctx.model, 'nova-compute', server.host ?? 'compute', `${daemonLog(ctx, 'nova-compute')} and /var/log/libvirt/qemu/`),
      )
    }
    await c.compute.detachVolume(server.id, vol.id)
    await volumeStatus(c.volume, vol.id, 'available', 120_000)
    return `1 GB volume available in ${created}, attached: ${[inGuest ? 'vdb in /proc/partitions' : '', line ? `console "${line.trim()}"` : ''].filter(Boolean).join(', ')}; detached (${since(start)} in all)`
  },
}
