// SPDX-License-Identifier: Apache-2.0
// A small fake OpenStack on 127.0.0.1 (node:http) for unit tests of the API
// client, post-deploy and verify: Keystone tokens with a catalog, and in-memory
// collections with the REST shape each service uses. It records every request.
import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Model } from '../../installer/model/types.ts'
import { fixtureModel } from '../helpers.ts'

export type Rec = Record<string, unknown> & { id: string }

interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

/** Plural collection → the singular key its bodies use. */
const singular: Record<string, string> = {
  projects: 'project',
  users: 'user',
  roles: 'role',
  flavors: 'flavor',
  servers: 'server',
  networks: 'network',
  subnets: 'subnet',
  routers: 'router',
  ports: 'port',
  'security-groups': 'security_group',
  'security-group-rules': 'security_group_rule',
  floatingips: 'floatingip',
  agents: 'agent',
  volumes: 'volume',
  'os-keypairs': 'keypair',
  'os-server-groups': 'server_group',
  services: 'service',
  endpoints: 'endpoint',
}

export class FakeCloud {
  url = ''
  readonly requests: string[] = []
  readonly data = new Map<string, Rec[]>()
  readonly blobs = new Map<string, Buffer>()
  /** Nova's services; their ids are their places here, `status` set by PUT and `deleted` by DELETE /os-services/ID. */
  computeServices: { binary: string; host: string; state: string; status?: string; deleted?: boolean }[] = [
    { binary: 'nova-conductor', host: 'aio1', state: 'up' },
    { binary: 'nova-scheduler', host: 'aio1', state: 'up' },
    { binary: 'nova-compute', host: 'aio1', state: 'up' },
  ]
  volumeServices = [
    { binary: 'cinder-scheduler', host: 'aio1', state: 'up' },
    { binary: 'cinder-volume', host: 'aio1@ceph', state: 'up' },
  ]
  /** The pools the volume services report to the scheduler (none: their backend is not ready). */
  volumePools = ['aio1@ceph#ceph']
  /** Servers go to ERROR with this fault when set. */
  bootFault: string | undefined
  /** Power state of ACTIVE servers: 1 running, 3 paused (what KVM's emulation failure leaves). */
  powerState = 1
  /** Answer the next request whose "METHOD path" matches with this reply instead. */
  readonly overrides: { match: RegExp; reply: Reply }[] = []
  private readonly tokens = new Map<string, { user: string; project: string }>()
  private server: Server | undefined

  constructor(adminPass: string) {
    const admin = { id: 'p-admin', name: 'admin', domain_id: 'default' }
    this.add('projects', admin)
    for (const r of ['admin', 'member', 'reader']) this.add('roles', { id: `r-${r}`, name: r })
    this.add('users', { id: 'u-admin', name: 'admin', domain_id: 'default', password: adminPass })
    this.add('assignments', { id: 'a1', project: 'p-admin', user: 'u-admin', role: 'r-admin' })
    for (const b of ['neutron-linuxbridge-agent', 'neutron-dhcp-agent', 'neutron-l3-agent', 'neutron-metadata-agent']) {
      this.add('agents', { id: b, binary: b, host: 'aio1', alive: true, admin_state_up: true, agent_type: b })
    }
  }

  list(coll: string): Rec[] {
    return this.data.get(coll) ?? this.data.set(coll, []).get(coll)!
  }

  add(coll: string, rec: Record<string, unknown>): Rec {
    const r = { id: randomUUID(), ...rec } as Rec
    this.list(coll).push(r)
    return r
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res))
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r))
  }

  private catalog(project: string) {
    const e = (type: string, path: string) => ({
      type,
      name: type,
      endpoints: ['public', 'internal', 'admin'].map((i) => ({ interface: i, region: 'RegionOne', url: `${this.url}/${i}${path}` })),
    })
    return [
      e('identity', '/identity/v3'),
      e('compute', '/compute/v2.1'),
      e('network', '/network'),
      e('image', '/image'),
      e('placement', '/placement'),
      e('volumev3', `/volume/v3/${project}`),
      e('object-store', `/swift/v1/AUTH_${project}`),
    ]
  }

  /** Forget every token issued so far, as Keystone does for a user whose password changed. */
  revokeTokens(): void {
    this.tokens.clear()
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const raw = Buffer.concat(chunks)
    const url = new URL(req.url ?? '/', this.url)
    const method = req.method ?? 'GET'
    this.requests.push(`${method} ${url.pathname}${url.search}`)
    const override = this.overrides.findIndex((o) => o.match.test(`${method} ${url.pathname}`))
    const auth = this.tokens.get(String(req.headers['x-auth-token'] ?? ''))
    let reply: Reply
    if (override >= 0) reply = this.overrides.splice(override, 1)[0]!.reply
    else if (url.pathname.endsWith('/auth/tokens')) reply = this.login(raw)
    // Version documents answer without a token.
    else if (/^\/(info)?$|\/v3$/.test(url.pathname)) reply = { status: url.pathname === '/' ? 300 : 200, body: { versions: [] } }
    else if (!auth) reply = { status: 401, body: { error: { message: 'The request you have made requires authentication.', code: 401 } } }
    else reply = this.route(method, url, raw, auth)
    const isBuf = Buffer.isBuffer(reply.body)
    res.writeHead(reply.status, { 'content-type': isBuf ? 'application/octet-stream' : 'application/json', ...reply.headers })
    res.end(reply.body === undefined ? undefined : isBuf ? reply.body : JSON.stringify(reply.body))
  }

  /** A password token: project-scoped with a catalog, or unscoped (no `scope`) without one. */
  private login(raw: Buffer): Reply {
    const a = JSON.parse(raw.toString()) as {
      auth: { identity: { password: { user: { name: string; password: string } } }; scope?: { project: { name: string } } }
    }
    const u = a.auth.identity.password.user
    const user = this.list('users').find((x) => x.name === u.name && x.password === u.password)
    const project = a.auth.scope ? this.list('projects').find((p) => p.name === a.auth.scope!.project.name) : undefined
    const scoped = !!project && this.list('assignments').some((x) => x.user === user?.id && x.project === project.id)
    if (!user || (a.auth.scope && !scoped)) {
      return { status: 401, body: { error: { code: 401, message: 'The request you have made requires authentication.' } } }
    }
    const token = randomUUID()
    this.tokens.set(token, { user: user.id, project: project?.id ?? '' })
    const body = project
      ? {
          user: { id: user.id },
          project: { id: project.id },
          roles: this.list('assignments')
            .filter((x) => x.user === user.id && x.project === project.id)
            .map((x) => ({ name: this.list('roles').find((r) => r.id === x.role)?.name ?? '' })),
          catalog: this.catalog(project.id),
        }
      : { user: { id: user.id } }
    return { status: 201, headers: { 'x-subject-token': token }, body: { token: body } }
  }

  private route(method: string, url: URL, raw: Buffer, auth: { user: string; project: string }): Reply {
    const parts = url.pathname.split('/').filter(Boolean).slice(1) // drop the interface
    const service = parts.shift()
    // Drop each service's version prefix (and Cinder's/Swift's project segment).
    const skip = { identity: 1, compute: 1, network: 1, image: 1, volume: 2, swift: 2, placement: 0 }[service ?? ''] ?? 0
    const rest = parts.slice(skip)
    const body =
      raw.length && !url.pathname.includes('/file') && service !== 'swift'
        ? (JSON.parse(raw.toString()) as Record<string, Record<string, unknown>>)
        : {}
    if (!rest.length) return { status: 200, body: { versions: [] } }
    // Nova's ?host= filter (admins): answered by the special route below.
    if (service === 'compute' && rest[0] === 'servers' && rest[1] === 'detail' && url.searchParams.has('host'))
      return this.special(service, method, ['servers', 'on-host', url.searchParams.get('host')!], body, auth)!
    if (service === 'swift') return this.swift(method, rest, raw)
    if (service === 'image') return this.glance(method, rest, url, raw, body)
    if (rest[0] === 'role_assignments') return { status: 200, body: { role_assignments: this.roleAssignments(url.searchParams) } }
    return this.special(service ?? '', method, rest, body, auth) ?? this.rest(method, rest, url, body, auth)
  }

  /** Calls that are not plain collection CRUD. */
  private special(
    service: string,
    method: string,
    p: string[],
    body: Record<string, Record<string, unknown>>,
    auth: { user: string; project: string },
  ): Reply | undefined {
    const [a, b, c, d, e, f] = p
    if (a === 'projects' && c === 'users' && e === 'roles') {
      if (method === 'PUT') return (this.add('assignments', { project: b, user: d, role: f }), { status: 204 })
      const roles = this.list('assignments')
        .filter((x) => x.project === b && x.user === d)
        .map((x) => this.list('roles').find((r) => r.id === x.role))
      return { status: 200, body: { roles } }
    }
    if (a === 'os-services' && b && service === 'compute') {
      const s = this.computeServices[Number(b)]
      if (!s || s.deleted) return { status: 404, body: { itemNotFound: { code: 404, message: `Service ${b} not found.` } } }
      if (method === 'DELETE') return ((s.deleted = true), { status: 204 })
      if (method === 'PUT') return ((s.status = String(body.status)), { status: 200, body: { service: { id: b, ...s } } })
    }
    if (a === 'scheduler-stats' && b === 'get_pools')
      return { status: 200, body: { pools: this.volumePools.map((name) => ({ name, capabilities: {} })) } }
    if (a === 'os-services')
      return {
        status: 200,
        body: {
          services: (service === 'compute' ? this.computeServices : this.volumeServices)
            .map((s, i) => ({ id: String(i), status: 'enabled', ...s }))
            .filter((s) => !('deleted' in s && s.deleted)),
        },
      }
    if (a === 'flavors' && b === 'detail') return { status: 200, body: { flavors: this.list('flavors') } }
    if (a === 'servers' && b === 'detail') return { status: 200, body: { servers: this.list('servers') } }
    if (a === 'servers' && b === 'on-host')
      return { status: 200, body: { servers: this.list('servers').filter((s) => s['OS-EXT-SRV-ATTR:host'] === c) } }
    if (a === 'servers' && method === 'POST' && !b)
      return { status: 202, body: { server: this.boot(body.server!, auth, body['os:scheduler_hints']?.group as string | undefined) } }
    if (a === 'servers' && c === 'action') return { status: 200, body: { output: 'guest: console\n' } }
    if (a === 'os-keypairs' && method === 'POST')
      return { status: 200, body: { keypair: this.add('os-keypairs', { ...body.keypair, id: body.keypair!.name, user: auth.user }) } }
    if (a === 'routers' && c === 'add_router_interface') {
      this.add('ports', {
        device_id: b,
        device_owner: 'network:router_interface',
        fixed_ips: [{ subnet_id: body.subnet_id }],
        network_id: '',
      })
      return { status: 200, body: {} }
    }
    if (a === 'security-groups' && method === 'GET' && !this.list('security-groups').some((g) => g.project_id === auth.project)) {
      this.add('security-groups', { name: 'default', project_id: auth.project, security_group_rules: [] })
    }
    return undefined
  }

  /** Keystone's direct user assignments on projects, filtered by `scope.project.id` and `user.id`. */
  private roleAssignments(q: URLSearchParams) {
    return this.list('assignments')
      .filter((x) =>
        [
          [q.get('scope.project.id'), x.project],
          [q.get('user.id'), x.user],
        ].every(([want, have]) => want === null || want === have),
      )
      .map((x) => ({ role: { id: x.role }, user: { id: x.user }, scope: { project: { id: x.project } } }))
  }

  /** On the first nova-compute host; in an anti-affinity group, on the first one no member of the group is on. */
  private boot(spec: Record<string, unknown>, auth: { project: string }, group?: string): Rec {
    const taken = new Set(
      this.list('servers')
        .filter((x) => group && x.group === group)
        .map((x) => x['OS-EXT-SRV-ATTR:host']),
    )
    const host = this.computeServices.find((x) => x.binary === 'nova-compute' && !taken.has(x.host))?.host
    const fault = this.bootFault ?? (host ? undefined : 'No valid host was found. There are not enough hosts available.')
    const server = this.add('servers', {
      ...spec,
      project_id: auth.project,
      ...(group ? { group } : {}),
      status: fault ? 'ERROR' : 'ACTIVE',
      'OS-EXT-SRV-ATTR:host': host ?? null,
      // As nova answers: the string "True", or "" without one.
      config_drive: spec.config_drive ? 'True' : '',
      'OS-EXT-SRV-ATTR:instance_name': 'instance-00000001',
      'OS-EXT-STS:power_state': this.powerState,
      ...(fault ? { fault: { message: fault, code: 500 } } : { addresses: { 'demo-net': [{ addr: '192.168.100.10', version: 4 }] } }),
    })
    this.add('ports', { device_id: server.id, device_owner: 'compute:nova', fixed_ips: [], network_id: '' })
    return server
  }

  private rest(
    method: string,
    p: string[],
    url: URL,
    body: Record<string, Record<string, unknown>>,
    auth: { user: string; project: string },
  ): Reply {
    const [coll = '', id] = p
    const one = singular[coll]
    if (!one)
      return { status: 404, body: { NeutronError: { type: 'HTTPNotFound', message: `The resource could not be found: ${p.join('/')}` } } }
    const items = this.list(coll)
    const found = id ? items.find((x) => x.id === id) : undefined
    if (id && !found) return { status: 404, body: { itemNotFound: { code: 404, message: `${one} ${id} could not be found.` } } }
    if (method === 'GET' && found) return { status: 200, body: { [one]: found } }
    if (method === 'DELETE' && found) return (items.splice(items.indexOf(found), 1), { status: 204 })
    if ((method === 'PUT' || method === 'PATCH') && found)
      return (Object.assign(found, this.defaults(coll, body[one] ?? {})), { status: 200, body: { [one]: found } })
    if (method === 'POST') {
      return { status: 201, body: { [one]: this.add(coll, { project_id: auth.project, ...this.defaults(coll, body[one] ?? {}) }) } }
    }
    const filters = [...url.searchParams].filter(([k]) => k !== 'is_public')
    const keypairs = coll === 'os-keypairs' ? (r: Rec) => r.user === auth.user : () => true
    return {
      status: 200,
      body: { [coll.replaceAll('-', '_')]: items.filter((r) => keypairs(r) && filters.every(([k, v]) => String(r[k]) === v)) },
    }
  }

  /** What Neutron adds to a network, router or rule it creates. */
  private defaults(coll: string, b: Record<string, unknown>): Record<string, unknown> {
    if (coll === 'networks') return { 'router:external': false, shared: false, status: 'ACTIVE', subnets: [], ...b }
    if (coll === 'routers') {
      const gw = b.external_gateway_info as { network_id?: string } | undefined
      return {
        status: 'ACTIVE',
        ...b,
        external_gateway_info: gw?.network_id ? { ...gw, external_fixed_ips: [{ subnet_id: 's', ip_address: '127.0.0.1' }] } : null,
      }
    }
    if (coll === 'security-group-rules') {
      // Neutron lists a group's rules inside the group too.
      const rule = { remote_group_id: null, port_range_min: null, port_range_max: null, ...b }
      const group = this.list('security-groups').find((g) => g.id === b.security_group_id)
      ;(group?.security_group_rules as unknown[] | undefined)?.push(rule)
      return rule
    }
    if (coll === 'volumes') return { status: 'available', attachments: [], ...b }
    return b
  }

  private glance(method: string, p: string[], url: URL, raw: Buffer, body: Record<string, unknown>): Reply {
    const [, id, file] = p
    const images = this.list('images')
    const image = images.find((i) => i.id === id)
    if (id && !image) return { status: 404, body: Buffer.from('<html><body><h1>404 Not Found</h1>No image found with ID x</body></html>') }
    if (method === 'POST') return { status: 201, body: this.add('images', { status: 'queued', checksum: null, ...body }) }
    if (method === 'PUT' && file) {
      this.blobs.set(id!, raw)
      return (
        Object.assign(image!, { status: 'active', size: raw.length, checksum: createHash('md5').update(raw).digest('hex') }),
        { status: 204 }
      )
    }
    if (method === 'GET' && file) return { status: 200, body: this.blobs.get(id!) ?? Buffer.alloc(0) }
    if (method === 'GET' && image) return { status: 200, body: image }
    if (method === 'DELETE') return (images.splice(images.indexOf(image!), 1), { status: 204 })
    const name = url.searchParams.get('name')
    return { status: 200, body: { images: images.filter((i) => !name || i.name === name) } }
  }

  private swift(method: string, p: string[], raw: Buffer): Reply {
    const key = p.join('/')
    if (method === 'PUT') {
      if (p.length > 1) this.blobs.set(key, raw)
      return { status: 201, headers: p.length > 1 ? { etag: createHash('md5').update(raw).digest('hex') } : {} }
    }
    if (method === 'GET')
      return this.blobs.has(key)
        ? { status: 200, body: this.blobs.get(key) }
        : { status: 404, body: Buffer.from('<html><h1>Not Found</h1><p>The resource could not be found.</p></html>') }
    this.blobs.delete(key)
    return { status: 204 }
  }
}

/** The aio fixture's model (fake secrets) with Keystone at the fake cloud. */
export function fakeModel(url: string): Model {
  const base = fixtureModel('aio')
  const keystone = { ...base.endpoints.keystone, internal: `${url}/internal/identity/v3`, public: `${url}/public/identity/v3` }
  return { ...base, endpoints: { ...base.endpoints, keystone } }
}
