// SPDX-License-Identifier: Apache-2.0
// The dashboard check against a fake Horizon (node:http) that enforces Django's
// CSRF flow: cookie + form token, region, credentials, then a session cookie.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import type { Project } from '../../installer/project.ts'
import { formValue, storeCookies } from '../../installer/verify/horizon.ts'
import { verifyCloud } from '../../installer/verify/index.ts'
import { fixtureModel } from '../helpers.ts'
import { roles } from '../../roles/index.ts'

const region = 'http://10.0.0.11:5000/v3'
const password = 'fake-admin-password'
let server: Server
let url = ''
const posts: Record<string, string>[] = []

const sheet = '/horizon/static/dashboard/css/0a1b2c3d4e5f.css'
let loginHead = `<link rel="stylesheet" href="${sheet}" type="text/css" media="screen">`
const loginPage = () => `${loginHead}<form method="POST"><input type='hidden' name='csrfmiddlewaretoken' value='form-token' />
<input type="hidden" name="region" value="${region}" id="id_region"><input name="username"><input name="password" type="password"></form>`

function cookies(header: string | undefined): Record<string, string> {
  return Object.fromEntries((header ?? '').split(';').map((c) => c.trim().split('=') as [string, string]))
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const jar = cookies(req.headers.cookie)
      if (req.url === '/horizon/auth/login/' && req.method === 'GET') {
        res.writeHead(200, {
          'set-cookie': 'csrftoken=cookie-token; expires=Thu, 25 Nov 2027 11:00:00 GMT; Path=/; SameSite=Lax',
          'content-type': 'text/html',
        })
        return res.end(loginPage())
      }
      if (req.url === '/horizon/auth/login/' && req.method === 'POST') {
        const form = Object.fromEntries(new URLSearchParams(body))
        posts.push(form)
        if (jar.csrftoken !== 'cookie-token' || form.csrfmiddlewaretoken !== 'form-token')
          return res.writeHead(403).end('CSRF verification failed')
        if (form.region !== region || form.username !== 'admin' || form.password !== password) {
          return res
            .writeHead(200, { 'content-type': 'text/html' })
            .end(`<div class="alert alert-danger"><p>Invalid credentials.</p></div>${loginPage()}`)
        }
        return res
          .writeHead(302, { location: '/horizon/', 'set-cookie': ['sessionid=s1; HttpOnly; Path=/', 'csrftoken=rotated; Path=/'] })
          .end()
      }
      if (req.url === sheet) return res.writeHead(200, { 'content-type': 'text/css' }).end('body{}')
      if (req.url === '/horizon/project/') {
        if (jar.sessionid === 's1') return res.writeHead(200).end('<h1>Overview</h1>')
        return res.writeHead(302, { location: '/horizon/auth/login/?next=/horizon/project/' }).end()
      }
      res.writeHead(404).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise((r) => server.close(r)))

function project(adminPass: string): Project {
  const base = fixtureModel('aio')
  const model: Model = { ...base, dashboardUrl: `${url}/horizon`, secrets: { ...base.secrets, admin_password: adminPass } }
  return {
    model,
    paths: { stateDir: '/nonexistent', inventory: null, secrets: '', overrides: '' },
    overrides: [],
    secrets: { secrets: model.secrets, generated: [], tightened: false },
    roles,
  }
}

describe('dashboard login', () => {
  it('logs in with the CSRF cookie and form token and the region Horizon lists', async () => {
    const report = await verifyCloud(project(password), { only: ['dashboard.login'] })
    expect(report.checks.map((c) => `${c.id}: ${c.status}`)).toEqual(['dashboard.login: pass', 'cleanup: pass'])
    expect(report.checks[0]!.message).toMatch(
      /^login page 200 with its stylesheets, admin logged in \(→ \/horizon\/\), http:.*\/horizon\/project\/ 200/,
    )
    expect(posts.at(-1)).toEqual({ csrfmiddlewaretoken: 'form-token', region, username: 'admin', password })
  })

  it("reports a refused login with Horizon's message and where to look", async () => {
    const report = await verifyCloud(project('wrong'), { only: ['dashboard.login'] })
    const check = report.checks[0]!
    expect(check.status).toBe('fail')
    expect(check.message).toBe(`POST ${url}/horizon/auth/login/ → HTTP 200: the login was refused (Invalid credentials.)`)
    expect(check.hint).toEqual({
      service: 'apache2 (horizon)',
      host: 'aio1 (10.0.0.11)',
      log: '/var/log/apache2/error.log and /var/log/keystone/keystone.log',
    })
  })

  it('fails when the page links a compressed stylesheet Apache does not serve: the static files do not match the manifest', async () => {
    // GIVEN a login page whose manifest names a stylesheet that is not there
    loginHead = '<link rel="stylesheet" href="/static/dashboard/css/0a1b2c3d4e5f.css" type="text/css" media="screen">'
    try {
      const report = await verifyCloud(project(password), { only: ['dashboard.login'] })
      expect(report.checks[0]!.status).toBe('fail')
      expect(report.checks[0]!.message).toBe(
        `the login page's stylesheet ${url}/static/dashboard/css/0a1b2c3d4e5f.css → HTTP 404: the static files do not match the offline manifest (step horizon.static)`,
      )
      // AND a page without any compressed stylesheet fails too
      loginHead = '<link rel="icon" href="/horizon/static/dashboard/img/favicon.ico">'
      const none = await verifyCloud(project(password), { only: ['dashboard.login'] })
      expect(none.checks[0]!.message).toBe(
        `the login page of ${url}/horizon/auth/login/ links no compressed stylesheet (…/dashboard/css/…)`,
      )
    } finally {
      loginHead = `<link rel="stylesheet" href="${sheet}" type="text/css" media="screen">`
    }
  })

  it('reads form fields and cookies the way Django writes them', () => {
    expect(formValue(loginPage(), 'region')).toBe(region)
    expect(
      formValue(
        '<select name="region" id="id_region"><option value="http://a/v3">A</option><option value="b">B</option></select>',
        'region',
      ),
    ).toBe('http://a/v3')
    const jar = new Map<string, string>()
    // Node 18's fetch may join Set-Cookie headers with ", ", and Expires has a comma of its own.
    storeCookies(jar, {
      get: () => 'csrftoken=x; expires=Thu, 25 Nov 2027 11:00:00 GMT; Path=/, sessionid=y; HttpOnly',
    } as unknown as Headers)
    expect(Object.fromEntries(jar)).toEqual({ csrftoken: 'x', sessionid: 'y' })
  })
})
