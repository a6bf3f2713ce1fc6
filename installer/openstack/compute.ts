// SPDX-License-Identifier: Apache-2.0
// Nova (compute) calls the post-deploy steps and verify make.
import { query, type Method, type OpenStackSession, type RequestOptions } from './session.ts'

/**
 * NOTE: a fixed microversion, not `latest`: answers keep the shape this code reads
 * when a newer Nova adds fields or changes defaults. 2.79 is in Zed (max 2.93).
 */
export const computeMicroversion = '2.79'

export interface Flavor {
  id: string
  name: string
  vcpus: number
  ram: number
  disk: number
  'os-flavor-access:is_public'?: boolean
}

export interface Keypair {
  name: string
  public_key: string
  fingerprint: string
}

export interface Server {
  id: string
  name: string
  status: string
  addresses?: Record<string, { addr: string; version: number; 'OS-EXT-IPS:type'?: string }[]>
  fault?: { message: string; code: number; details?: string }
  'OS-EXT-SRV-ATTR:host'?: string
  /** libvirt's domain name, e.g. instance-00000002 (admins only). */
  'OS-EXT-SRV-ATTR:instance_name'?: string
  'OS-EXT-STS:task_state'?: string | null
  /** 0 no state, 1 running, 3 paused, 4 shutdown, 6 crashed, 7 suspended. */
  'OS-EXT-STS:power_state'?: number
  /** "True" when the server was built with a config drive, "" when not. */
  config_drive?: string
}

export interface ServerSpec {
  name: string
  flavorRef: string
  imageRef: string
  networks: { uuid: string }[]
  key_name?: string
  security_groups?: { name: string }[]
  /** Build an ISO with the metadata and attach it (nova needs genisoimage on the compute host). */
  config_drive?: boolean
}

export interface ComputeService {
  id: string
  binary: string
  host: string
  state: 'up' | 'down'
  status: 'enabled' | 'disabled'
  updated_at: string | null
  disabled_reason?: string | null
}

export interface VolumeAttachment {
  id: string
  volumeId: string
  serverId: string
  device: string | null
}

/** Nova's API: flavors, keypairs, servers, services, volume attachments, console log. */
export class ComputeApi {
  constructor(readonly session: OpenStackSession) {}

  private call<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers = { 'openstack-api-version': `compute ${computeMicroversion}`, ...opts.headers }
    return this.session.request<T>('compute', method, path, { ...opts, headers })
  }

  /** Every flavor, public and private (private ones only for admins). */
  async flavors(): Promise<Flavor[]> {
    return (await this.call<{ flavors: Flavor[] }>('GET', `/flavors/detail${query({ is_public: 'None' })}`)).flavors
  }

  async createFlavor(f: { name: string; vcpus: number; ram: number; disk: number; isPublic?: boolean }): Promise<Flavor> {
    const body = { flavor: { name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk, 'os-flavor-access:is_public': f.isPublic ?? true } }
    return (await this.call<{ flavor: Flavor }>('POST', '/flavors', { body })).flavor
  }

  /** The caller's keypair of that name, or undefined. */
  async keypair(name: string): Promise<Keypair | undefined> {
    const r = await this.call<{ keypair: Keypair } | undefined>('GET', `/os-keypairs/${encodeURIComponent(name)}`, { allow: [404] })
    return r && 'keypair' in r ? r.keypair : undefined
  }

  /** Import a public key for the caller. */
  async importKeypair(name: string, publicKey: string): Promise<Keypair> {
    return (
      await this.call<{ keypair: Keypair }>('POST', '/os-keypairs', { body: { keypair: { name, public_key: publicKey, type: 'ssh' } } })
    ).keypair
  }

  async deleteKeypair(name: string): Promise<void> {
    await this.call('DELETE', `/os-keypairs/${encodeURIComponent(name)}`, { allow: [404] })
  }

  /** With `group`, the scheduler places the server by that server group's policy. */
  async createServer(spec: ServerSpec, hints: { group?: string } = {}): Promise<{ id: string }> {
    const body = { server: spec, ...(hints.group ? { 'os:scheduler_hints': { group: hints.group } } : {}) }
    return (await this.call<{ server: { id: string } }>('POST', '/servers', { body })).server
  }

  /** A server group; `anti-affinity` puts each member on a different compute host or fails it (No valid host). */
  async createServerGroup(name: string, policy: 'anti-affinity' | 'affinity'): Promise<{ id: string }> {
    return (await this.call<{ server_group: { id: string } }>('POST', '/os-server-groups', { body: { server_group: { name, policy } } }))
      .server_group
  }

  async deleteServerGroup(id: string): Promise<void> {
    await this.call('DELETE', `/os-server-groups/${id}`, { allow: [404] })
  }

  /** The server, or undefined once it is gone. */
  async server(id: string): Promise<Server | undefined> {
    const r = await this.call<{ server: Server } | undefined>('GET', `/servers/${id}`, { allow: [404] })
    return r && 'server' in r ? r.server : undefined
  }

  async servers(filter: { name?: string } = {}): Promise<Server[]> {
    return (await this.call<{ servers: Server[] }>('GET', `/servers/detail${query(filter)}`)).servers
  }

  async deleteServer(id: string): Promise<void> {
    await this.call('DELETE', `/servers/${id}`, { allow: [404] })
  }

  /** nova-conductor, nova-scheduler, nova-compute… with their state. */
  async services(): Promise<ComputeService[]> {
    return (await this.call<{ services: ComputeService[] }>('GET', '/os-services')).services
  }

  /** Take a service out of scheduling (or back in), with the reason operators see in `openstack compute service list --long`. */
  async setServiceStatus(id: string, status: 'enabled' | 'disabled', reason?: string): Promise<void> {
    const body = { status, ...(status === 'disabled' && reason ? { disabled_reason: reason } : {}) }
    await this.call('PUT', `/os-services/${id}`, { body })
  }

  /** Delete a service record; for nova-compute, Nova deletes its compute node, resource provider and host mapping too. */
  async deleteService(id: string): Promise<void> {
    await this.call('DELETE', `/os-services/${id}`, { allow: [404] })
  }

  /** Every project's servers on one compute host (admins only). */
  async serversOnHost(host: string): Promise<Server[]> {
    return (await this.call<{ servers: Server[] }>('GET', `/servers/detail${query({ all_tenants: 'true', host })}`)).servers
  }

  async attachVolume(serverId: string, volumeId: string): Promise<VolumeAttachment> {
    const body = { volumeAttachment: { volumeId } }
    return (await this.call<{ volumeAttachment: VolumeAttachment }>('POST', `/servers/${serverId}/os-volume_attachments`, { body }))
      .volumeAttachment
  }

  async volumeAttachments(serverId: string): Promise<VolumeAttachment[]> {
    return (await this.call<{ volumeAttachments: VolumeAttachment[] }>('GET', `/servers/${serverId}/os-volume_attachments`))
      .volumeAttachments
  }

  async detachVolume(serverId: string, volumeId: string): Promise<void> {
    await this.call('DELETE', `/servers/${serverId}/os-volume_attachments/${volumeId}`, { allow: [404] })
  }

  /** The server's serial console log (the last `lines` lines when given). */
  async consoleLog(serverId: string, lines?: number): Promise<string> {
    const body = { 'os-getConsoleOutput': lines ? { length: lines } : {} }
    return (await this.call<{ output: string }>('POST', `/servers/${serverId}/action`, { body })).output
  }
}
