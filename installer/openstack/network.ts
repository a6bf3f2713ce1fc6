// SPDX-License-Identifier: Apache-2.0
// Neutron (network) calls: networks, subnets, routers, security groups,
// floating IPs, ports and agents. Every resource follows the same REST shape.
import { query, type Method, type OpenStackSession, type RequestOptions } from './session.ts'

type Query = Record<string, string | number | boolean | undefined>

export interface Network {
  id: string
  name: string
  project_id: string
  status: string
  shared: boolean
  'router:external': boolean
  'provider:network_type'?: string
  'provider:physical_network'?: string | null
  subnets: string[]
}

export interface Subnet {
  id: string
  name: string
  network_id: string
  cidr: string
  gateway_ip: string | null
  enable_dhcp: boolean
  allocation_pools: { start: string; end: string }[]
  dns_nameservers: string[]
}

export interface Router {
  id: string
  name: string
  status: string
  project_id: string
  external_gateway_info: { network_id: string; external_fixed_ips?: { subnet_id: string; ip_address: string }[] } | null
}

export interface Port {
  id: string
  network_id: string
  device_id: string
  device_owner: string
  status: string
  fixed_ips: { subnet_id: string; ip_address: string }[]
}

export interface SecurityGroup {
  id: string
  name: string
  project_id: string
  security_group_rules: SecurityGroupRule[]
}

export interface SecurityGroupRule {
  id: string
  security_group_id: string
  direction: 'ingress' | 'egress'
  ethertype: 'IPv4' | 'IPv6'
  protocol: string | null
  port_range_min: number | null
  port_range_max: number | null
  remote_ip_prefix: string | null
  remote_group_id: string | null
}

export interface FloatingIp {
  id: string
  floating_ip_address: string
  floating_network_id: string
  port_id: string | null
  status: string
}

export interface Agent {
  id: string
  agent_type: string
  binary: string
  host: string
  alive: boolean
  admin_state_up: boolean
}

/** Neutron's v2.0 API. */
export class NetworkApi {
  constructor(readonly session: OpenStackSession) {}

  private call<T>(method: Method, path: string, opts?: RequestOptions): Promise<T> {
    return this.session.request<T>('network', method, `/v2.0${path}`, opts)
  }

  /** GET /<plural>; the answer's key is the plural with underscores (security-groups → security_groups). */
  private async list<T>(plural: string, q: Query): Promise<T[]> {
    return (await this.call<Record<string, T[]>>('GET', `/${plural}${query(q)}`))[plural.replaceAll('-', '_')] ?? []
  }

  /** POST /<plural> with the body under its singular key (the URL uses dashes, the key underscores). */
  private async create<T>(plural: string, singular: string, body: Record<string, unknown>): Promise<T> {
    return (await this.call<Record<string, T>>('POST', `/${plural}`, { body: { [singular]: body } }))[singular]!
  }

  networks = (q: Query = {}) => this.list<Network>('networks', q)
  createNetwork = (body: Record<string, unknown>) => this.create<Network>('networks', 'network', body)
  subnets = (q: Query = {}) => this.list<Subnet>('subnets', q)
  createSubnet = (body: Record<string, unknown>) => this.create<Subnet>('subnets', 'subnet', body)
  updateSubnet = async (id: string, body: Record<string, unknown>): Promise<Subnet> =>
    (await this.call<{ subnet: Subnet }>('PUT', `/subnets/${id}`, { body: { subnet: body } })).subnet
  routers = (q: Query = {}) => this.list<Router>('routers', q)
  createRouter = (body: Record<string, unknown>) => this.create<Router>('routers', 'router', body)
  ports = (q: Query = {}) => this.list<Port>('ports', q)
  securityGroups = (q: Query = {}) => this.list<SecurityGroup>('security-groups', q)
  securityGroupRules = (q: Query = {}) => this.list<SecurityGroupRule>('security-group-rules', q)
  createSecurityGroupRule = (body: Record<string, unknown>) =>
    this.create<SecurityGroupRule>('security-group-rules', 'security_group_rule', body)
  floatingIps = (q: Query = {}) => this.list<FloatingIp>('floatingips', q)
  agents = (q: Query = {}) => this.list<Agent>('agents', q)

  async deleteAgent(id: string): Promise<void> {
    await this.call('DELETE', `/agents/${id}`, { allow: [404] })
  }

  async router(id: string): Promise<Router> {
    return (await this.call<{ router: Router }>('GET', `/routers/${id}`)).router
  }

  /** Set (or clear, with null) the router's external gateway. */
  async setRouterGateway(id: string, networkId: string | null): Promise<Router> {
    const body = { router: { external_gateway_info: networkId ? { network_id: networkId } : {} } }
    return (await this.call<{ router: Router }>('PUT', `/routers/${id}`, { body })).router
  }

  async addRouterInterface(id: string, subnetId: string): Promise<void> {
    await this.call('PUT', `/routers/${id}/add_router_interface`, { body: { subnet_id: subnetId } })
  }

  /** A floating IP on `networkId`, bound to `portId` when given. */
  async createFloatingIp(networkId: string, portId?: string): Promise<FloatingIp> {
    return this.create<FloatingIp>('floatingips', 'floatingip', { floating_network_id: networkId, ...(portId ? { port_id: portId } : {}) })
  }

  async floatingIp(id: string): Promise<FloatingIp> {
    return (await this.call<{ floatingip: FloatingIp }>('GET', `/floatingips/${id}`)).floatingip
  }

  async deleteFloatingIp(id: string): Promise<void> {
    await this.call('DELETE', `/floatingips/${id}`, { allow: [404] })
  }
}
