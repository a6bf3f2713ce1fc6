// SPDX-License-Identifier: Apache-2.0
// The one HTTP client of Stackhouse's own requests to a cloud: fetch, trusting
// Node's CAs and, once a project with TLS is loaded, the deployment's CA too.
// Node's global fetch takes no CA, and NODE_EXTRA_CA_CERTS is read only at
// start-up, so those requests go through undici (Node's own fetch, as a package)
// with an agent that trusts both. Verification is never turned off.
import { rootCertificates } from 'node:tls'

const extra = new Set<string>()
type Undici = typeof import('undici')
let client: Promise<{ fetch: Undici['fetch']; agent: InstanceType<Undici['Agent']> }> | undefined

/** Trust this CA (PEM) for every later request of this process: the deployment's own. */
export function trustCertificateAuthority(pem: string): void {
  const text = pem.trim()
  if (extra.has(text)) return
  extra.add(text)
  const old = client
  // Loaded only by a process that talks to a TLS cloud: the CLI's start stays quick.
  client = import('undici').then((u) => ({ fetch: u.fetch, agent: new u.Agent({ connect: { ca: [...rootCertificates, ...extra] } }) }))
  void old?.then((c) => c.agent.close())
}

/** fetch, with the CAs this process trusts. */
export async function httpFetch(url: string, init: RequestInit = {}): Promise<Response> {
  if (!client) return fetch(url, init)
  const c = await client
  // undici's Response is the WHATWG Response that Node's global fetch returns.
  return (await c.fetch(url, { ...(init as object), dispatcher: c.agent })) as unknown as Response
}
