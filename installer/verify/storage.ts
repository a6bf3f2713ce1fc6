// SPDX-License-Identifier: Apache-2.0
// Data goes in and comes back unchanged: an image through Glance, an object
// through Swift. Both are deleted again, also when the comparison fails.
import { createHash, randomBytes } from 'node:crypto'
import type { Check } from './check.ts'
import { hintFor, need } from './context.ts'
import { apiHint } from './hints.ts'
import { CheckFailure } from './types.ts'

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

export const imageCheck: Check = {
  id: 'image.roundtrip',
  name: 'image upload and download',
  needs: ['identity.demo'],
  hint: (ctx) => apiHint(ctx.model, 'image'),
  async run(ctx) {
    const { image } = need(ctx.demo, 'the demo session')
    const data = randomBytes(8 * 1024)
    const record = await image.createImage({
      name: `stackhouse-verify-${ctx.run}`,
      disk_format: 'raw',
      container_format: 'bare',
      visibility: 'private',
    })
    ctx.made(`image ${record.id}`, () => image.deleteImage(record.id))
    await image.upload(record.id, data)
    const back = await image.download(record.id)
    if (sha256(back) !== sha256(data)) {
      throw new CheckFailure(
        `downloaded ${back.length} bytes differ from the ${data.length} uploaded (sha256 ${sha256(back).slice(0, 12)}… ≠ ${sha256(data).slice(0, 12)}…)`,
        apiHint(ctx.model, 'image', 'check the image store ([glance_store] in /etc/glance/glance-api.conf)'),
      )
    }
    await image.deleteImage(record.id)
    if (await image.image(record.id)) throw new CheckFailure(`image ${record.id} is still there after DELETE`)
    return `${data.length / 1024} KiB up and down, sha256 equal, deleted`
  },
}

export const objectCheck: Check = {
  id: 'object.roundtrip',
  name: 'object store put and get',
  needs: ['identity.demo'],
  notApplicable: (ctx) => (ctx.model.services.swift ? undefined : 'Swift is off in the inventory'),
  hint: (ctx) => hintFor(ctx.model, 'swift-proxy', 'control', 'journalctl -u swift-proxy -u swift-object -u swift-container'),
  async run(ctx) {
    const { objectStore } = need(ctx.demo, 'the demo session')
    const container = `stackhouse-verify-${ctx.run}`
    const name = 'probe.bin'
    const data = randomBytes(4 * 1024)
    await objectStore.createContainer(container)
    ctx.made(`container ${container}`, async () => {
      await objectStore.deleteObject(container, name)
      await objectStore.deleteContainer(container)
    })
    const etag = await objectStore.putObject(container, name, data)
    const md5 = createHash('md5').update(data).digest('hex')
    if (etag && etag !== md5) throw new CheckFailure(`Swift's etag ${etag} is not the MD5 ${md5} of the data sent`)
    const back = await objectStore.getObject(container, name)
    if (sha256(back) !== sha256(data))
      throw new CheckFailure(`the object read back (${back.length} bytes) differs from the one written (${data.length} bytes)`)
    await objectStore.deleteObject(container, name)
    await objectStore.deleteContainer(container)
    return `${data.length / 1024} KiB object put, read back equal, deleted with its container`
  },
}
