// SPDX-License-Identifier: Apache-2.0
// The dashboard serves its login page and lets the admin in, the way a browser
// does it: Django's CSRF cookie and form token, the login POST, then a project page.
import { httpFetch } from '../openstack/http.ts'
import { describeFetchFailure } from '../openstack/fetch.ts'
import type { Check } from './check.ts'
import { hintFor, type VerifyContext } from './context.ts'
import { CheckFailure } from './types.ts'

type Jar = Map<string, string>

/** Cookies a response sets, into the jar. Node 18's fetch may lack getSetCookie: split the joined header then. */
export function storeCookies(jar: Jar, headers: Headers): void {
  const h = headers as Headers & { getSetCookie?: () => string[] }
  const lines = typeof h.getSetCookie === 'function' ? h.getSetCookie() : (headers.get('set-cookie') ?? '').split(/,(?=\s*[^;,=\s]+=)/)
  for (const line of lines) {
    const m = /^\s*([^=;\s]+)=([^;]*)/.exec(line)
    if (m) jar.set(m[1]!, m[2]!)
  }
}

const cookieHeader = (jar: Jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ')

/** The value of the form field `name` in the login page: a hidden input, or a select's first option. */
export function formValue(html: string, name: string): string | undefined {
  const input = new RegExp(`<input[^>]*name=["']${name}["'][^>]*>`, 'i').exec(html)?.[0]
  if (input) return /value=["']([^"']*)["']/i.exec(input)?.[1]
  const select = new RegExp(`<select[^>]*name=["']${name}["'][^>]*>([\\s\\S]*?)</select>`, 'i').exec(html)?.[1]
  return select ? /<option[^>]*value=["']([^"']*)["']/i.exec(select)?.[1] : undefined
}

async function get(url: string, jar: Jar, init: RequestInit = {}): Promise<{ res: Response; body: string }> {
  let res: Response
  try {
    res = await httpFetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader(jar) },
      signal: AbortSignal.timeout(60_000),
    })
  } catch (e) {
    throw new CheckFailure(`${init.method ?? 'GET'} ${url}: ${describeFetchFailure(e)}`, undefined, { cause: e })
  }
  storeCookies(jar, res.headers)
  return { res, body: await res.text() }
}

/** The compressed stylesheets a page links to (django-compressor's output under …/dashboard/css/). */
export function compressedStylesheets(html: string): string[] {
  const links = html.match(/<link\b[^>]*>/gi) ?? []
  return links
    .filter((l) => /rel=["']stylesheet["']/i.test(l))
    .map((l) => /href=["']([^"']+)["']/i.exec(l)?.[1])
    .filter((h): h is string => !!h && /\/dashboard\/css\/[^/]+\.css$/.test(h))
}

/**
 * The compressed stylesheets the page links to are served. The offline manifest names
 * them (its URLs are a placeholder filled with STATIC_URL when the page renders): one
 * missing means the static files were not built, or not for this manifest.
 */
async function stylesheetsServed(page: string, pageUrl: string, jar: Jar): Promise<void> {
  const sheets = compressedStylesheets(page)
  if (!sheets.length) throw new CheckFailure(`the login page of ${pageUrl} links no compressed stylesheet (…/dashboard/css/…)`)
  for (const href of sheets) {
    const sheet = new URL(href, pageUrl).toString()
    const { res } = await get(sheet, jar)
    if (res.status !== 200)
      throw new CheckFailure(
        `the login page's stylesheet ${sheet} → HTTP ${res.status}: the static files do not match the offline manifest (step horizon.static)`,
      )
  }
}

/** Log in as admin; returns the page the login redirected to. */
async function login(ctx: VerifyContext, base: string, jar: Jar): Promise<string> {
  const url = `${base}/auth/login/`
  const page = await get(url, jar)
  if (page.res.status !== 200) throw new CheckFailure(`GET ${url} → HTTP ${page.res.status}`)
  await stylesheetsServed(page.body, url, jar)
  const token = formValue(page.body, 'csrfmiddlewaretoken')
  if (!token || !jar.has('csrftoken')) throw new CheckFailure(`the login page of ${url} has no CSRF ${token ? 'cookie' : 'form token'}`)
  // NOTE: with one region Horizon renders it as a hidden field holding OPENSTACK_KEYSTONE_URL.
  const region = formValue(page.body, 'region') ?? ctx.model.endpoints.keystone.public
  const form = new URLSearchParams({ csrfmiddlewaretoken: token, region, username: 'admin', password: ctx.model.secrets.admin_password })
  const post = await get(url, jar, {
    method: 'POST',
    body: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: url },
  })
  const location = post.res.headers.get('location') ?? ''
  if (![301, 302, 303].includes(post.res.status) || /\/auth\/login/.test(location)) {
    const why = /<div[^>]*alert-danger[^>]*>([\s\S]*?)<\/div>/i
      .exec(post.body)?.[1]
      ?.replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
    throw new CheckFailure(
      `POST ${url} → HTTP ${post.res.status}${location ? ` to ${location}` : ''}: the login was refused${why ? ` (${why})` : ''}`,
    )
  }
  return location
}

export const horizonCheck: Check = {
  id: 'dashboard.login',
  name: 'dashboard login',
  notApplicable: (ctx) => (ctx.model.services.horizon ? undefined : 'Horizon is off in the inventory'),
  hint: (ctx) => hintFor(ctx.model, 'apache2 (horizon)', 'control', `/var/log/apache2/error.log and ${ctx.model.endpoints.keystone.log}`),
  async run(ctx) {
    const base = ctx.model.dashboardUrl.replace(/\/+$/, '')
    const jar: Jar = new Map()
    const start = Date.now()
    const to = await login(ctx, base, jar)
    const project = await get(`${base}/project/`, jar)
    if (project.res.status !== 200) {
      throw new CheckFailure(
        `after the login (redirect to ${to}), GET ${base}/project/ → HTTP ${project.res.status}${project.res.headers.get('location') ? ` to ${project.res.headers.get('location')}` : ''}`,
      )
    }
    return `login page 200 with its stylesheets, admin logged in (→ ${to}), ${base}/project/ 200 in ${((Date.now() - start) / 1000).toFixed(1)} s`
  },
}
