// SPDX-License-Identifier: Apache-2.0
// Glance (image) v2 calls: create a record, upload its data, download, delete.
import { query, type OpenStackSession } from './session.ts'

export interface Image {
  id: string
  name: string
  status: string
  visibility: string
  disk_format: string | null
  container_format: string | null
  size: number | null
  /** MD5 of the data, hex (Glance's legacy checksum, always computed). */
  checksum: string | null
  os_hash_algo?: string | null
  os_hash_value?: string | null
  min_ram: number
  min_disk: number
  [property: string]: unknown
}

export interface ImageSpec {
  name: string
  disk_format: 'qcow2' | 'raw'
  container_format: 'bare'
  visibility?: 'public' | 'private' | 'shared' | 'community'
  min_ram?: number
  min_disk?: number
  /** Extra properties (strings in Glance). */
  [property: string]: unknown
}

/** Uploads of a few MiB over a slow link: longer than the session default. */
const transferTimeoutMs = 600_000

/** Glance's v2 API. */
export class ImageApi {
  constructor(readonly session: OpenStackSession) {}

  async images(filter: { name?: string; visibility?: string; owner?: string } = {}): Promise<Image[]> {
    return (await this.session.request<{ images: Image[] }>('image', 'GET', `/v2/images${query(filter)}`)).images
  }

  /** The image, or undefined when there is none with that id. */
  async image(id: string): Promise<Image | undefined> {
    const res = await this.session.fetch('image', 'GET', `/v2/images/${id}`, { allow: [404] })
    return res.status === 404 ? undefined : ((await res.json()) as Image)
  }

  /** A record in `queued` status; upload() gives it data. */
  async createImage(spec: ImageSpec): Promise<Image> {
    return this.session.request<Image>('image', 'POST', '/v2/images', { body: spec })
  }

  async upload(id: string, data: Uint8Array): Promise<void> {
    await this.session.fetch('image', 'PUT', `/v2/images/${id}/file`, { body: data, timeoutMs: transferTimeoutMs })
  }

  async download(id: string): Promise<Buffer> {
    const res = await this.session.fetch('image', 'GET', `/v2/images/${id}/file`, { timeoutMs: transferTimeoutMs })
    return Buffer.from(await res.arrayBuffer())
  }

  async deleteImage(id: string): Promise<void> {
    await this.session.fetch('image', 'DELETE', `/v2/images/${id}`, { allow: [404] })
  }
}
