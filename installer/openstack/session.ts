// SPDX-License-Identifier: Apache-2.0
// A session on top of a Keystone token: finds each service's endpoint in the
// token's catalog and makes authenticated requests to it. Plain fetch (Node 18+).
import { httpFetch } from './http.ts'
import { StackhouseError } from '../errors.ts'
import { describeFetchFailure } from './fetch.ts'
import type { CatalogEntry, KeystoneClient } from './keystone.ts'

export type Interface = 'public' | 'internal' | 'admin'
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD'

/** A failed call: which service, method, URL and status, and the message the service gave. A host error (exit 4). */
export class OpenStackError extends StackhouseError {
  constructor(
    readonly service: string,
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${service}: ${method} ${url} → ${status ? `HTTP ${status}` : 'no answer'}${detail ? `: ${detail}` : ''}`, {
      kind: 'hosts',
      cause: options?.cause,
    })
    this.name = 'OpenStackError'
  }
}

export interface SessionOptions {
  /** Endpoint interface to use. @default 'public' */
  interface?: Interface
  /** Region of the endpoints; the first one of each service when unset. */
  region?: string
  /** Per-request timeout. @default 60000 */
  timeoutMs?: number
}

export interface RequestOptions {
  /** JSON body (serialised) or raw bytes (sent as application/octet-stream unless headers say otherwise). */
  body?: unknown
  headers?: Record<string, string>
  /** Statuses that are not errors besides 2xx, e.g. [404] to look something up. */
  allow?: number[]
  timeoutMs?: number
}

/** Endpoints from the catalog, and authenticated requests to them. */
export class OpenStackSession {
  readonly interface: Interface
  /** The region whose endpoints it uses (any, when undefined). */
  readonly region: string | undefined
  private readonly timeoutMs: number

  constructor(
    readonly keystone: KeystoneClient,
    opts: SessionOptions = {},
  ) {
    this.interface = opts.interface ?? 'public'
    this.region = opts.region
    this.timeoutMs = opts.timeoutMs ?? 60_000
  }

  get token(): string {
    return this.keystone.token
  }

  get catalog(): CatalogEntry[] {
    return this.keystone.catalog
  }

  /** The endpoint URL of a service type (no trailing slash), e.g. `compute` → http://…:8774/v2.1 */
  endpoint(type: string, iface: Interface = this.interface): string {
    const entry = this.catalog.find((c) => c.type === type)
    const pick = (e: CatalogEntry['endpoints'][number]) => e.interface === iface && (!this.region || e.region === this.region)
    const found = entry?.endpoints.find(pick)
    if (!found) {
      const have = this.catalog
        .map((c) => `${c.type} (${c.endpoints.map((e) => `${e.interface}${e.region ? `@${e.region}` : ''}`).join(', ')})`)
        .join('; ')
      throw new OpenStackError(
        type,
        'LOOKUP',
        `${iface} endpoint${this.region ? ` in ${this.region}` : ''}`,
        0,
        `${entry ? 'the service has no such endpoint' : "no such service in the token's catalog"}; catalog: ${have || 'empty'}`,
      )
    }
    return found.url.replace(/\/+$/, '')
  }

  /** A request whose answer is JSON (or empty); errors become OpenStackError. */
  async request<T>(service: string, method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.fetch(service, method, path, opts)
    const text = await res.text()
    if (!text || res.status === 204) return undefined as T
    try {
      return JSON.parse(text) as T
    } catch (cause) {
      throw new OpenStackError(service, method, res.url, res.status, `the answer is not JSON: ${text.slice(0, 200)}`, { cause })
    }
  }

  /** A request whose answer is read by the caller (bytes, headers). Non-2xx answers not in `allow` throw. A refused token is renewed once. */
  async fetch(service: string, method: Method, path: string, opts: RequestOptions = {}): Promise<Response> {
    const url = /^https?:\/\//.test(path) ? path : `${this.endpoint(service)}${path}`
    const raw = opts.body instanceof Uint8Array
    const send = async () => {
      const headers: Record<string, string> = {
        'x-auth-token': this.token,
        accept: 'application/json',
        ...(opts.body !== undefined ? { 'content-type': raw ? 'application/octet-stream' : 'application/json' } : {}),
        ...opts.headers,
      }
      try {
        return await httpFetch(url, {
          method,
          headers,
          ...(opts.body !== undefined ? { body: raw ? (opts.body as Uint8Array<ArrayBuffer>) : JSON.stringify(opts.body) } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs),
        })
      } catch (cause) {
        throw new OpenStackError(service, method, url, 0, describeFetchFailure(cause), { cause })
      }
    }
    let res = await send()
    if (res.status === 401 && !opts.allow?.includes(401) && (await res.body?.cancel(), await this.keystone.renew())) res = await send()
    if (res.ok || opts.allow?.includes(res.status)) return res
    throw new OpenStackError(service, method, url, res.status, errorMessage(await res.text().catch(() => '')))
  }
}

/**
 * The human message of an error body. Each service wraps it its own way:
 * Nova/Cinder `{"itemNotFound": {"message"}}`, Neutron `{"NeutronError": {"message"}}`,
 * Keystone `{"error": {"message"}}`, Glance and Swift plain text or HTML.
 */
export function errorMessage(body: string): string {
  let data: unknown
  try {
    data = JSON.parse(body)
  } catch {
    return body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 300)
  }
  const found = findMessage(data, 0)
  return (found ?? body).replace(/\s+/g, ' ').trim().slice(0, 300)
}

function findMessage(data: unknown, depth: number): string | undefined {
  if (!data || typeof data !== 'object' || depth > 2) return undefined
  const o = data as Record<string, unknown>
  for (const k of ['message', 'faultstring', 'detail', 'title']) if (typeof o[k] === 'string' && o[k]) return o[k]
  for (const v of Object.values(o)) {
    const m = findMessage(v, depth + 1)
    if (m) return m
  }
  return undefined
}

/** `?a=1&b=2` from the defined entries of a record; '' when none. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : ''
}
