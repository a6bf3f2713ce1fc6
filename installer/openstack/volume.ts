// SPDX-License-Identifier: Apache-2.0
// Cinder (block storage) v3 calls: volumes and the services that serve them.
import type { ComputeService } from './compute.ts'
import type { OpenStackSession } from './session.ts'

export interface Volume {
  id: string
  name: string | null
  status: string
  size: number
  attachments: { server_id: string; device: string; attachment_id: string }[]
}

/** A row of Cinder's os-services: Nova's shape, without the id. */
export type VolumeService = Omit<ComputeService, 'id'>

/** Cinder's v3 API; the catalog's volumev3 URL already ends in the project id. */
export class VolumeApi {
  constructor(readonly session: OpenStackSession) {}

  async createVolume(spec: { name: string; size: number; description?: string }): Promise<Volume> {
    return (await this.session.request<{ volume: Volume }>('volumev3', 'POST', '/volumes', { body: { volume: spec } })).volume
  }

  /** The volume, or undefined once it is gone. */
  async volume(id: string): Promise<Volume | undefined> {
    const res = await this.session.fetch('volumev3', 'GET', `/volumes/${id}`, { allow: [404] })
    return res.status === 404 ? undefined : ((await res.json()) as { volume: Volume }).volume
  }

  async deleteVolume(id: string): Promise<void> {
    await this.session.fetch('volumev3', 'DELETE', `/volumes/${id}`, { allow: [404] })
  }

  /** The storage pools the scheduler knows (`host@backend#pool`), which each volume service reports once its backend works (admin only). */
  async pools(): Promise<string[]> {
    const r = await this.session.request<{ pools: { name: string }[] }>('volumev3', 'GET', '/scheduler-stats/get_pools')
    return r.pools.map((p) => p.name)
  }

  /** cinder-scheduler, cinder-volume… with their state (admin only). */
  async services(): Promise<VolumeService[]> {
    return (await this.session.request<{ services: VolumeService[] }>('volumev3', 'GET', '/os-services')).services
  }
}
