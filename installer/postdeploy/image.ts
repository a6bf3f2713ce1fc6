// SPDX-License-Identifier: Apache-2.0
// The test guest `stackhouse-tiny` in Glance: built on the deployer with
// buildGuestImage (cached), uploaded once. Re-runs compare Glance's MD5 checksum
// with the local image's and change nothing when they match; a newer guest build
// is uploaded as a new image and the old ones of the name are deleted.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import type { ImageApi } from '../openstack/image.ts'
import { changed, ok, type Task } from '../tasks/types.ts'
import type { Clients } from './_clients.ts'
import { guestImageName } from './names.ts'

/** Where the qcow2 comes from: built (or taken from the cache) when called. */
export interface GuestImageSource {
  /** Path of a copy made earlier, read in check mode instead of building. */
  existing: string
  build(): Promise<{ path: string }>
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex')

export function guestImageTask(clients: Clients, source: GuestImageSource): Task {
  return {
    id: 'post-deploy.guest-image',
    title: `image ${guestImageName} (the test guest, qcow2, public)`,
    async apply(ctx) {
      const { image } = await clients.admin()
      const found = (await image.images({ name: guestImageName })).filter((i) => i.name === guestImageName)
      // In check mode nothing is built: a copy from an earlier run is compared when there is one.
      const path = ctx.check ? (existsSync(source.existing) ? source.existing : undefined) : (await source.build()).path
      const data = path ? readFileSync(path) : undefined
      const sum = data && md5(data)
      const current = found.find((i) => i.status === 'active' && (!sum || i.checksum === sum))
      if (current) return ok
      const stale = found.map((i) => i.id)
      if (ctx.check || !data) return changed(`upload ${guestImageName}${stale.length ? ` (replacing ${stale.length} older)` : ''}`)
      const id = await upload(image, data)
      ctx.log(`uploaded ${guestImageName} as ${id} (${data.length} bytes, md5 ${sum})`)
      for (const old of stale) await image.deleteImage(old)
      return changed(
        `uploaded ${guestImageName} (${(data.length / 1048576).toFixed(1)} MiB)${stale.length ? `, deleted ${stale.length} older` : ''}`,
      )
    },
  }
}

/** Create the record and upload the data; a record left without data is deleted. */
async function upload(image: ImageApi, data: Buffer): Promise<string> {
  const record = await image.createImage({
    name: guestImageName,
    disk_format: 'qcow2',
    container_format: 'bare',
    visibility: 'public',
    // NOTE: the guest boots in 96 MiB (guest-image docs); 128 leaves room for the page cache.
    min_ram: 128,
    stackhouse_md5: md5(data),
  })
  try {
    await image.upload(record.id, data)
  } catch (e) {
    await image.deleteImage(record.id).catch(() => undefined)
    throw e
  }
  const after = await image.image(record.id)
  if (after?.checksum !== md5(data))
    throw new Error(`Glance recorded checksum ${after?.checksum ?? 'none'} for image ${record.id}, not ${md5(data)} of the data sent`)
  return record.id
}
