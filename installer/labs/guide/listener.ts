// SPDX-License-Identifier: Apache-2.0
// The guide's listening socket. Plain http, or, on a cloud with TLS, https on the
// same port with the deployment's certificate: there a connection whose first byte
// is not a TLS handshake is plain http, and gets a redirect to https instead of a
// reset (a learner types the address from the banner without the scheme).
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import { securityHeaders } from './http.ts'

export interface GuidePem {
  cert: string
  key: string
}

export interface GuideListener {
  /** Where handlers run: an http or https server that does not listen itself when TLS is on. */
  app: Server
  /** What listens. */
  socket: Server | NetServer
  secure: boolean
  close(): Promise<void>
}

/** A TLS record starts with 22 (handshake). */
const tlsHandshake = 0x16
/** A client that connects and says nothing is dropped after this. */
const firstByteMs = 20_000
/**
 * A connection quiet this long is ended. NOTE: the servers that get the connections
 * handed over do not listen themselves, so their own header and request timeouts
 * never run: this, on the socket, stands in for them (a trainer's solve may take
 * a minute or two without a byte either way).
 */
const idleMs = 180_000
/** At most this many connections at once: a class is tens of browsers. */
const maxConnections = 512

export function guideListener(handler: (req: IncomingMessage, res: ServerResponse) => void, tls?: GuidePem): GuideListener {
  if (!tls) {
    const app = createHttpServer(handler)
    return { app, socket: app, secure: false, close: () => closeAll(app, [app]) }
  }
  const app = createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler)
  const redirect = createHttpServer(redirectToHttps)
  redirect.headersTimeout = 10_000
  // Every connection, whichever server it went to: close ends them all.
  const open = new Set<Socket>()
  const socket = createNetServer({ pauseOnConnect: true }, (s: Socket) => {
    open.add(s)
    s.once('close', () => open.delete(s))
    s.setTimeout(firstByteMs, () => s.destroy())
    s.once('data', (first: Buffer) => {
      s.setTimeout(idleMs, () => s.destroy())
      s.pause()
      s.unshift(first)
      ;(first[0] === tlsHandshake ? app : redirect).emit('connection', s)
      process.nextTick(() => s.resume())
    })
    s.on('error', () => s.destroy())
    s.resume()
  })
  socket.maxConnections = maxConnections
  const close = () => {
    const closed = closeAll(socket, [app, redirect])
    for (const s of open) s.destroy()
    return closed
  }
  return { app, socket, secure: true, close }
}

function redirectToHttps(req: IncomingMessage, res: ServerResponse): void {
  const host = req.headers.host ?? ''
  // The Host header names this server (a name or an address, with the port): anything else is not echoed back.
  if (!/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/.test(host)) {
    res.writeHead(400, { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8' })
    return void res.end('this is an https server: use https://\n')
  }
  // Only the page itself: a path from the request is not carried into the Location.
  res.writeHead(308, { ...securityHeaders, location: `https://${host}/`, 'content-type': 'text/plain; charset=utf-8' })
  res.end(`this is an https server: https://${host}/\n`)
}

function closeAll(listening: Server | NetServer, servers: Server[]): Promise<void> {
  return new Promise<void>((resolve) => {
    listening.close(() => resolve())
    // Browsers keep connections open: end them, or close waits for their timeout.
    for (const s of servers) s.closeAllConnections()
  })
}
