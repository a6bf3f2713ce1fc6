// SPDX-License-Identifier: Apache-2.0
// A client that reuses one connection the way Python's http.client (and so every
// OpenStack client) does: after a complete response, the next request goes on the
// same socket unless the server said `Connection: close` or closed it first. Node's
// own agent waits a tick and notices a close; this one, like urllib3, does not.
import { connect, type Socket } from 'node:net'

export interface ReuseReport {
  requests: number
  /** Responses read in full. */
  answered: number
  /** Connections opened (1 when the server keeps it alive throughout). */
  connections: number
  /** Requests that failed on a reused connection: reset, or closed before any answer. */
  failures: Record<string, number>
}

interface Response {
  status: number
  close: boolean
}

/** `count` requests, alternating HEAD and GET on `path`, each on the last connection while it stays open. */
export async function reuseConnection(host: string, port: number, path: string, count: number): Promise<ReuseReport> {
  const report: ReuseReport = { requests: count, answered: 0, connections: 0, failures: {} }
  let socket: Socket | undefined
  for (let i = 0; i < count; i++) {
    if (!socket || socket.destroyed) {
      socket = await open(host, port)
      report.connections++
    }
    try {
      const r = await exchange(socket, i % 2 ? 'GET' : 'HEAD', host, path)
      report.answered++
      if (r.close) socket.destroy()
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message
      report.failures[code] = (report.failures[code] ?? 0) + 1
      socket.destroy()
    }
  }
  socket?.destroy()
  return report
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => resolve(s))
    s.once('error', reject)
  })
}

/** Send one request and read its response to the end (by Content-Length, chunks, or the close). */
function exchange(socket: Socket, method: 'HEAD' | 'GET', host: string, path: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    let head: { status: number; headers: Record<string, string>; bodyStart: number } | undefined
    const done = (r: Response) => {
      cleanup()
      resolve(r)
    }
    const fail = (e: Error) => {
      cleanup()
      reject(e)
    }
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      head ??= parseHead(buf)
      if (!head) return
      const body = buf.subarray(head.bodyStart)
      const close = /close/i.test(head.headers.connection ?? '')
      if (method === 'HEAD' || head.status === 204 || head.status === 304) return done({ status: head.status, close })
      const length = head.headers['content-length']
      if (length !== undefined && body.length >= Number(length)) return done({ status: head.status, close })
      if (/chunked/i.test(head.headers['transfer-encoding'] ?? '') && body.includes('\r\n0\r\n\r\n'))
        return done({ status: head.status, close })
    }
    // A body that runs to the close is complete at the close.
    const onEnd = () =>
      head && head.headers['content-length'] === undefined
        ? done({ status: head.status, close: true })
        : fail(Object.assign(new Error('closed before a complete answer'), { code: 'CLOSED' }))
    const onError = (e: Error) => fail(e)
    const cleanup = () => {
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('error', onError)
    }
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('error', onError)
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\n\r\n`)
  })
}

function parseHead(buf: Buffer): { status: number; headers: Record<string, string>; bodyStart: number } | undefined {
  const end = buf.indexOf('\r\n\r\n')
  if (end < 0) return undefined
  const [statusLine = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n')
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  )
  return { status: Number(statusLine.split(' ')[1]), headers, bodyStart: end + 4 }
}
