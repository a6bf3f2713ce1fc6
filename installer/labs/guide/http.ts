// SPDX-License-Identifier: Apache-2.0
// The lab guide's HTTP plumbing: JSON bodies read with a size limit, replies with
// the security headers every answer carries, and the one error type a handler
// throws to answer with a status. Plain node:http; nothing here knows labs.
import type { IncomingMessage, ServerResponse } from 'node:http'

/** A handler's way to answer with an HTTP error status and a message for the page. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/** Larger request bodies are refused: a login or a step id is a few hundred bytes. */
export const maxBodyBytes = 16 * 1024

// Scripts and styles from this server only, nothing inline, no frames, no form posts elsewhere.
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

export const securityHeaders: Record<string, string> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...securityHeaders,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

export function sendFile(res: ServerResponse, type: string, body: Buffer): void {
  res.writeHead(200, { ...securityHeaders, 'content-type': type, 'cache-control': 'no-cache', 'content-length': body.length })
  res.end(body)
}

/**
 * A POST's JSON object. Refuses any other content type: a cross-site form cannot
 * send application/json without the browser asking this server first (CORS), so
 * together with SameSite cookies this is the guide's CSRF defence.
 */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') throw new HttpError(415, 'send the request as application/json')
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBodyBytes) throw new HttpError(413, 'the request is too large')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBodyBytes) throw new HttpError(413, 'the request is too large')
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  let body: unknown
  try {
    body = text ? JSON.parse(text) : {}
  } catch {
    throw new HttpError(400, 'the request is not valid JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'the request must be a JSON object')
  return body as Record<string, unknown>
}

/** A string field of a request body, at most `max` characters. */
export function field(body: Record<string, unknown>, name: string, max = 200): string {
  const v = body[name]
  if (typeof v !== 'string' || !v.length) throw new HttpError(400, `"${name}" is missing`)
  if (v.length > max) throw new HttpError(400, `"${name}" is longer than ${max} characters`)
  return v
}

/** An optional string field. */
export function optionalField(body: Record<string, unknown>, name: string, max = 200): string | undefined {
  return body[name] === undefined || body[name] === null ? undefined : field(body, name, max)
}

/** The value of one cookie of the request. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}
