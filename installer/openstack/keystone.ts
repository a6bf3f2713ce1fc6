// SPDX-License-Identifier: Apache-2.0
// A small Keystone v3 client: password tokens and the few calls the deployer
// and verify need. Plain fetch (Node 18+); no SDK to install on the machine.
import { StackhouseError } from '../errors.ts'
import { describeFetchFailure } from './fetch.ts'
import { httpFetch } from './http.ts'

export interface Credentials {
  authUrl: string
  username: string
  password: string
  projectName: string
  userDomain?: string
  projectDomain?: string
}

export interface CatalogEntry {
  type: string
  name: string
  endpoints: { interface: string; url: string; region: string }[]
}

/** Keystone refused or did not answer; `status` is 0 when there was no answer. A host error (exit 4): the cloud's API is on a host. */
export class KeystoneError extends StackhouseError {
  constructor(
    readonly status: number,
    readonly url: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${url}: ${message}`, { kind: 'hosts', cause: options?.cause })
    this.name = 'KeystoneError'
  }
}

/** Who a token is for: its user and project, and when it expires. */
export interface TokenScope {
  userId: string
  /** '' for a domain-scoped token. */
  projectId: string
  /** Set for a domain-scoped token. */
  domainId?: string
  /** The names of the user's roles on the project (or domain). */
  roles: string[]
  expiresAt?: string
}

interface TokenBody {
  token: {
    catalog?: CatalogEntry[]
    user?: { id: string }
    project?: { id: string }
    domain?: { id: string }
    roles?: { name: string }[]
    expires_at?: string
  }
}

export class KeystoneClient {
  private constructor(
    readonly url: string,
    private current: { token: string; catalog: CatalogEntry[]; scope: TokenScope },
    private readonly login: (() => Promise<KeystoneClient>) | undefined,
  ) {}

  get token(): string {
    return this.current.token
  }

  get catalog(): CatalogEntry[] {
    return this.current.catalog
  }

  get scope(): TokenScope {
    return this.current.scope
  }

  /** The id of the token's project (what Nova, Neutron and Cinder call project_id). */
  get projectId(): string {
    return this.scope.projectId
  }

  get userId(): string {
    return this.scope.userId
  }

  /** Issue a project-scoped token with a password. */
  static login(c: Credentials, timeoutMs = 30_000): Promise<KeystoneClient> {
    const project = { name: c.projectName, domain: { name: c.projectDomain ?? 'Default' } }
    return KeystoneClient.scoped(c, { project }, () => KeystoneClient.login(c, timeoutMs), timeoutMs)
  }

  /** Issue a domain-scoped token (a domain's manager runs its identities with one); its catalog has no project endpoints. */
  static loginToDomain(
    c: Omit<Credentials, 'projectName' | 'projectDomain'> & { domainName: string },
    timeoutMs = 30_000,
  ): Promise<KeystoneClient> {
    return KeystoneClient.scoped(c, { domain: { name: c.domainName } }, () => KeystoneClient.loginToDomain(c, timeoutMs), timeoutMs)
  }

  private static async scoped(
    c: Omit<Credentials, 'projectName'>,
    scope: unknown,
    again: () => Promise<KeystoneClient>,
    timeoutMs: number,
  ): Promise<KeystoneClient> {
    const [res, url] = await requestToken(c, { scope }, '', timeoutMs)
    if (!res.ok) throw new KeystoneError(res.status, `${url}/auth/tokens`, `token request failed: ${res.status} ${await res.text()}`)
    const token = res.headers.get('x-subject-token') ?? ''
    const { token: t } = (await res.json()) as TokenBody
    const tokenScope = {
      userId: t.user?.id ?? '',
      projectId: t.project?.id ?? '',
      ...(t.domain ? { domainId: t.domain.id } : {}),
      roles: (t.roles ?? []).map((r) => r.name),
      ...(t.expires_at ? { expiresAt: t.expires_at } : {}),
    }
    return new KeystoneClient(url, { token, catalog: t.catalog ?? [], scope: tokenScope }, again)
  }

  /**
   * Log in again, once a token was refused (401). Keystone revokes a user's tokens when
   * the password changes, and its revocation check counts whole seconds: a token issued
   * in the same second as the change is refused. So the new token is asked for after
   * that second has passed. False when this client cannot log in again.
   */
  async renew(): Promise<boolean> {
    if (!this.login) return false
    // Requests refused at once share one new login.
    this.renewing ??= (async () => {
      await new Promise((r) => setTimeout(r, 1_100))
      this.current = (await this.login!()).current
    })().finally(() => {
      this.renewing = undefined
    })
    await this.renewing
    return true
  }

  private renewing: Promise<void> | undefined

  /** A new token for the same user: one no service has seen (and cached) yet. */
  async another(): Promise<KeystoneClient> {
    if (!this.login) throw new KeystoneError(0, this.url, 'this client cannot log in again')
    return this.login()
  }

  /**
   * Whether Keystone takes this password (false when it answers 401). Asks for an
   * unscoped token without a catalog: the check costs Keystone the password hash and
   * no role or catalog lookups. NOTE: a disabled user is refused (401) as well.
   */
  static async passwordWorks(c: Omit<Credentials, 'projectName' | 'projectDomain'>, timeoutMs = 30_000): Promise<boolean> {
    const [res, url] = await requestToken(c, {}, '?nocatalog', timeoutMs)
    await res.body?.cancel()
    if (res.ok) return true
    if (res.status === 401) return false
    throw new KeystoneError(res.status, `${url}/auth/tokens`, `password check failed: ${res.status}`)
  }

  /** GET/POST/PATCH a path under /v3; returns the parsed JSON body. A refused token is renewed once. */
  async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const where = `${method} ${this.url}${path}`
    const send = () =>
      httpFetch(`${this.url}${path}`, {
        method,
        headers: { 'x-auth-token': this.token, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      }).catch((cause: unknown) => {
        throw new KeystoneError(0, where, `no answer: ${describeFetchFailure(cause)}`, { cause })
      })
    let res = await send()
    if (res.status === 401 && (await res.body?.cancel(), await this.renew())) res = await send()
    if (!res.ok) throw new KeystoneError(res.status, where, `${res.status} ${(await res.text()).slice(0, 300)}`)
    if (res.status === 204) return undefined as T
    const text = await res.text()
    try {
      return (text ? JSON.parse(text) : undefined) as T
    } catch (cause) {
      throw new KeystoneError(res.status, where, `the answer is not JSON: ${text.slice(0, 200)}`, { cause })
    }
  }
}

/** POST a password token request (scoped when `auth` has a scope); the answer, and the /v3 URL asked. */
async function requestToken(
  c: Omit<Credentials, 'projectName'>,
  auth: { scope?: unknown },
  query: string,
  timeoutMs: number,
): Promise<[Response, string]> {
  const url = `${c.authUrl.replace(/\/$/, '').replace(/\/v3$/, '')}/v3`
  const identity = {
    methods: ['password'],
    password: { user: { name: c.username, domain: { name: c.userDomain ?? 'Default' }, password: c.password } },
  }
  const body = JSON.stringify({ auth: { identity, ...auth } })
  const res = await httpFetch(`${url}/auth/tokens${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((cause: unknown) => {
    // status 0: no HTTP answer at all (refused, unreachable, timed out).
    throw new KeystoneError(0, `${url}/auth/tokens`, `token request failed: ${describeFetchFailure(cause)}`, { cause })
  })
  return [res, url]
}
