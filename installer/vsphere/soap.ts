// SPDX-License-Identifier: Apache-2.0
// vSphere's SOAP API (vim25) over fetch: an envelope of our own per call, the
// session cookie, and the answer parsed into plain objects. No WSDL: the few dozen
// methods Stackhouse calls are typed where they are used (./inventory.ts, ./vm.ts,
// ./import.ts). TLS is verified against the system's CAs and, when given, the
// operator's CA file; `insecure` turns verification off for this connection only.
import { rootCertificates } from 'node:tls'
import { asArray, el, parseXml, textOf, toXmlFragment, type XmlElement, type XmlNode, type XmlValue } from '../xml.ts'
import { VsphereError, faultError, transportError } from './errors.ts'

/** A managed object reference: its type (VirtualMachine) and id (vm-42). */
export interface MoRef {
  type: string
  value: string
}

export interface VsphereConnection {
  /** https://vcenter.example.com/sdk (a bare host name means that). */
  url: string
  /** PEM text of a CA to trust besides the system's. */
  ca?: string
  /** Skip certificate verification, for this connection only. */
  insecure?: boolean
}

/** What RetrieveServiceContent answers that Stackhouse uses. */
export interface ServiceContent {
  rootFolder: MoRef
  propertyCollector: MoRef
  viewManager: MoRef
  sessionManager: MoRef
  ovfManager: MoRef
  searchIndex: MoRef
  apiVersion: string
  /** VirtualCenter or HostAgent (a standalone ESXi). */
  apiType: string
}

/** Elements that may repeat in an answer: always read as arrays. */
const lists = ['returnval', 'objects', 'propSet', 'deviceUrl', 'fileItem', 'warning', 'error', 'ManagedObjectReference', 'missingSet']

type Undici = typeof import('undici')

/** The envelope's start: xsi and xsd are declared here, for the xsi:type attributes inside. */
const envelopeStart =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
  ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'

/** The SDK endpoint of a vCenter or ESXi given as a host name or an https URL (its path defaults to /sdk). */
export function sdkEndpoint(given: string): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `https://${given}`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new VsphereError(`${JSON.stringify(given)} is not a URL or host name`, 'input', 'give vCenter as https://vcenter.example.com')
  }
  if (url.protocol !== 'https:') throw new VsphereError(`${given}: vSphere is reached over https only`, 'input', `use https://${url.host}`)
  if (url.username || url.password)
    throw new VsphereError(
      `${url.host}: the URL carries a user or password`,
      'input',
      'give the user with --user and the password on standard input',
    )
  if (url.pathname === '/') url.pathname = '/sdk'
  return url.toString()
}

/** A managed object reference as a request's element. */
export function ref(name: string, r: MoRef): XmlElement {
  return el(name, { type: r.type }, r.value)
}

/** Read a MoRef from an answer's element (`<obj type="VirtualMachine">vm-42</obj>`). */
export function moRef(v: XmlValue | undefined): MoRef {
  const n = v as XmlNode | undefined
  const type = n?.['@_type']
  const value = n?.['#text']
  if (typeof type !== 'string' || typeof value !== 'string')
    throw new VsphereError('vSphere answered without a managed object reference where one was expected', 'internal')
  return { type, value }
}

/**
 * An element's xsi:type (`InvalidLogin`, `ManagedObjectReference`): vCenter names the
 * namespace xsi, govmomi's simulator by its full name (XMLSchema-instance:type).
 */
export function xsiType(v: XmlValue | undefined): string {
  const n = v as XmlNode | undefined
  if (!n || typeof n !== 'object') return ''
  const key = Object.keys(n).find((k) => k.startsWith('@_') && k.endsWith(':type'))
  const t = key ? n[key] : undefined
  return typeof t === 'string' ? t.replace(/^[^:]*:/, '') : ''
}

export class SoapClient {
  private cookie = ''
  private version = '6.5'
  readonly endpoint: string
  private readonly client: Promise<{ fetch: Undici['fetch']; agent: InstanceType<Undici['Agent']> }>

  constructor(readonly connection: VsphereConnection) {
    this.endpoint = sdkEndpoint(connection.url)
    const connect = connection.insecure
      ? { rejectUnauthorized: false }
      : { ca: connection.ca ? [...rootCertificates, connection.ca] : [...rootCertificates] }
    this.client = import('undici').then((u) => ({ fetch: u.fetch, agent: new u.Agent({ connect }) }))
  }

  /** The host (and port) requests go to: NFC device URLs name `*` for it. */
  get host(): string {
    return new URL(this.endpoint).host
  }

  /** fetch through this connection's TLS settings, with the session cookie (for NFC uploads too). */
  async fetch(
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: unknown; duplex?: 'half'; signal?: AbortSignal },
  ): Promise<Response> {
    const c = await this.client
    try {
      return (await c.fetch(url, {
        ...(init as object),
        headers: { ...(init.headers ?? {}), ...(this.cookie ? { cookie: this.cookie } : {}) },
        dispatcher: c.agent,
      })) as unknown as Response
    } catch (e) {
      if (init.signal?.aborted) throw new VsphereError('the import was interrupted', 'hosts')
      throw transportError(this.endpoint, e)
    }
  }

  /** Call `method` on `on` with the body's elements; the answer's returnval (absent for void methods). */
  async call(method: string, on: MoRef, ...body: XmlElement[]): Promise<XmlValue | undefined> {
    return (await this.callAll(method, on, ...body))[0]
  }

  /** Call `method`; every returnval of the answer (methods that answer a list). */
  async callAll(method: string, on: MoRef, ...body: XmlElement[]): Promise<XmlValue[]> {
    return (await this.callRaw(method, on, ...body)).values
  }

  /** Call `method`; its returnvals and the answer's text (for a fragment sent back as it came: an import spec). */
  async callRaw(method: string, on: MoRef, ...body: XmlElement[]): Promise<{ values: XmlValue[]; raw: string }> {
    const request = el(method, { xmlns: 'urn:vim25' }, ref('_this', on), ...body)
    return this.post(method, `${envelopeStart}<soapenv:Body>${toXmlFragment(request)}</soapenv:Body></soapenv:Envelope>`)
  }

  /** Post an envelope (built here, or with a fragment vSphere gave: ImportVApp's spec). */
  async post(method: string, envelope: string): Promise<{ values: XmlValue[]; raw: string }> {
    const res = await this.fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"urn:vim25/${this.version}"` },
      body: envelope,
    })
    const setCookie = res.headers.get('set-cookie')
    if (setCookie) this.cookie = setCookie.split(';')[0]!
    const answer = await res.text()
    let doc: XmlNode
    try {
      doc = parseXml(answer, lists, { dropPrefixes: true })
    } catch {
      throw new VsphereError(
        `${this.endpoint} answered ${res.status} to ${method} with something that is not SOAP`,
        'hosts',
        'check that the URL is a vCenter or ESXi SDK endpoint (https://host/sdk)',
      )
    }
    const body = ((doc['Envelope'] as XmlNode | undefined)?.['Body'] ?? {}) as XmlNode
    if (body['Fault']) throw faultError(method, body['Fault'] as XmlNode)
    if (!res.ok) throw new VsphereError(`${this.endpoint} answered ${res.status} to ${method}`, 'hosts')
    const response = body[`${method}Response`] as XmlNode | string | undefined
    return { values: typeof response === 'object' ? asArray(response['returnval']) : [], raw: answer }
  }

  /** A request whose body is given as XML text (`inner`: the elements after _this). */
  async callWithXml(method: string, on: MoRef, inner: string): Promise<XmlValue[]> {
    const body = `<${method} xmlns="urn:vim25">${toXmlFragment(ref('_this', on))}${inner}</${method}>`
    return (await this.post(method, `${envelopeStart}<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`)).values
  }

  /** Connect: read the service content and take its API version for SOAPAction. */
  async serviceContent(): Promise<ServiceContent> {
    const sc = (await this.call('RetrieveServiceContent', { type: 'ServiceInstance', value: 'ServiceInstance' })) as XmlNode
    const about = sc['about'] as XmlNode
    this.version = textOf(about['apiVersion']) || this.version
    return {
      rootFolder: moRef(sc['rootFolder']),
      propertyCollector: moRef(sc['propertyCollector']),
      viewManager: moRef(sc['viewManager']),
      sessionManager: moRef(sc['sessionManager']),
      ovfManager: moRef(sc['ovfManager']),
      searchIndex: moRef(sc['searchIndex']),
      apiVersion: this.version,
      apiType: textOf(about['apiType']),
    }
  }

  /** Close this connection's sockets. */
  async close(): Promise<void> {
    await (await this.client).agent.close()
  }
}
