// SPDX-License-Identifier: Apache-2.0
// Swift (object-store) calls: containers and objects in the token's account.
import type { OpenStackSession } from './session.ts'

const path = (container: string, object?: string) =>
  `/${encodeURIComponent(container)}${object === undefined ? '' : `/${object.split('/').map(encodeURIComponent).join('/')}`}`

/** Swift's v1 API; the catalog URL already ends in the account (AUTH_<project id>). */
export class ObjectStoreApi {
  constructor(readonly session: OpenStackSession) {}

  /** Create the container, or keep it when it exists (PUT is idempotent in Swift). */
  async createContainer(container: string): Promise<void> {
    await this.session.fetch('object-store', 'PUT', path(container))
  }

  /** Object names in the container; [] when the container does not exist. */
  async listContainer(container: string): Promise<string[]> {
    const res = await this.session.fetch('object-store', 'GET', `${path(container)}?format=json`, { allow: [404] })
    return res.status === 404 ? [] : ((await res.json()) as { name: string }[]).map((o) => o.name)
  }

  /** Upload an object; returns the etag (MD5 hex) Swift computed. */
  async putObject(container: string, object: string, data: Uint8Array): Promise<string> {
    const res = await this.session.fetch('object-store', 'PUT', path(container, object), { body: data })
    return (res.headers.get('etag') ?? '').replaceAll('"', '')
  }

  async getObject(container: string, object: string): Promise<Buffer> {
    const res = await this.session.fetch('object-store', 'GET', path(container, object))
    return Buffer.from(await res.arrayBuffer())
  }

  async deleteObject(container: string, object: string): Promise<void> {
    await this.session.fetch('object-store', 'DELETE', path(container, object), { allow: [404] })
  }

  /** Delete an empty container; a missing one is fine. */
  async deleteContainer(container: string): Promise<void> {
    await this.session.fetch('object-store', 'DELETE', path(container), { allow: [404] })
  }
}
