// SPDX-License-Identifier: Apache-2.0
// A stand-in for Nova's metadata service, on loopback only: the guest reaches it through
// QEMU's guestfwd of 169.254.169.254:80 (see local-boot.ts).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the fake metadata service tells the guest. */
export interface MetadataOptions {
  /** One OpenSSH public key line, e.g. from `ssh-keygen -y`. */
  publicKey: string
  /** @default 'guest' */
  hostname?: string
  /** Served at /latest/user-data; run by the guest when it starts with `#!`. */
  userData?: string
  /** Serve only openstack/latest/meta_data.json, to exercise the guest's fallback. @default false */
  jsonOnly?: boolean
}

/** A running metadata server. */
export interface MetadataServer {
  port: number
  /** Paths the guest asked for, in order. */
  requests: string[]
  close(): Promise<void>
}

/** The documents at their paths, as Nova serves them (EC2 and OpenStack flavours). */
export function metadataDocuments(opts: MetadataOptions): Map<string, string> {
  const hostname = opts.hostname ?? 'guest'
  const key = `${opts.publicKey.trim()}\n`
  const docs = new Map<string, string>([
    [
      '/openstack/latest/meta_data.json',
      JSON.stringify({ uuid: '00000000-0000-4000-8000-000000000000', name: hostname, hostname, public_keys: { test: key } }),
    ],
  ])
  if (opts.userData !== undefined) docs.set('/openstack/latest/user_data', opts.userData)
  if (opts.jsonOnly) return docs
  docs.set('/latest/meta-data/public-keys/0/openssh-key', key)
  docs.set('/latest/meta-data/hostname', hostname)
  if (opts.userData !== undefined) docs.set('/latest/user-data', opts.userData)
  return docs
}

/** Serve the metadata documents on 127.0.0.1, on a free port. */
export async function serveMetadata(opts: MetadataOptions): Promise<MetadataServer> {
  const docs = metadataDocuments(opts)
  const requests: string[] = []
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    requests.push(path)
    const body = docs.get(path)
    res.writeHead(body === undefined ? 404 : 200, {
      'content-type': path.endsWith('.json') ? 'application/json' : 'text/plain',
      connection: 'close',
    })
    res.end(body ?? 'not found\n')
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return { port, requests, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
