// SPDX-License-Identifier: Apache-2.0
// What a client section of a service's configuration says when the cloud's
// endpoints are https: the scheme, and the CA bundle that verifies them.
import type { Model } from '../model/types.ts'

/** Debian's bundle of trusted CAs; update-ca-certificates adds the deployment's CA to it. */
export const caBundle = '/etc/ssl/certs/ca-certificates.crt'
/** `https` when TLS is on: how a role's own checks reach its API. */
export function apiScheme(model: Model): 'http' | 'https' {
  return model.tls.enabled ? 'https' : 'http'
}

/** The CA file a client section names (`cafile`, `ca_file`…), when TLS is on. */
export function clientCaFile(model: Model): string | undefined {
  return model.tls.enabled ? caBundle : undefined
}
