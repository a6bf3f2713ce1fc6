// SPDX-License-Identifier: Apache-2.0
// The lab guide's HTTP surface against the fake Keystone: who may log in, what a
// session cookie looks like, what is refused (other sites' posts, other content
// types, large bodies, paths outside its files, students on trainer pages), and the page in a
// real browser.
// The pages themselves are driven in a real browser against a real cloud in the
// integration suite (test/integration/labs-guide.ts).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Classroom, studentFile } from '../../installer/labs/classroom.ts'
import { startLabGuide, type LabGuide } from '../../installer/labs/guide/server.ts'
import { markdownInline, markdownToHtml } from '../../installer/labs/guide/markdown.ts'
import { loadLabs } from '../../installer/labs/load.ts'
import { httpFetch, trustCertificateAuthority } from '../../installer/openstack/http.ts'
import type { Project } from '../../installer/project.ts'
import { ensureMachinePackages } from '../../installer/machine-packages.ts'
import { ensureCa, ensureCertificate } from '../../installer/tls/ca.ts'
import { FakeCloud, fakeModel } from '../openstack/fake-cloud.ts'
import { fixtureProject } from '../helpers.ts'

const model = fakeModel('http://placeholder')
const fake = new FakeCloud(model.secrets.admin_password)
let guide: LabGuide
let guideProject: Project

/** A user the fake Keystone knows, with `role` on a project of the same name (or on `project`). */
function keystoneUser(name: string, password: string, role = 'member', project = name): void {
  const p = fake.list('projects').find((x) => x.name === project) ?? fake.add('projects', { name: project, domain_id: 'default' })
  const u = fake.add('users', { name, password, domain_id: 'default' })
  fake.add('assignments', { project: p.id, user: u.id, role: `r-${role}` })
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(path, guide.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

async function login(username: string, password: string): Promise<{ res: Response; cookie: string }> {
  const res = await post('/api/login', { username, password })
  return { res, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! }
}

const get = (path: string, cookie = '') => fetch(new URL(path, guide.url), { headers: cookie ? { cookie } : {} })

beforeAll(async () => {
  await fake.start()
  const project = fixtureProject(fakeModel(fake.url), 'stackhouse-guide-')
  guideProject = project
  // GIVEN class "web" with student 1 (made by Stackhouse: a password file), and a look-alike user it did not make.
  const room = new Classroom(project, 'web')
  const file = studentFile(room.dir, 's01')
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify({ password: 'student-one-pw' })}\n`, { mode: 0o600 })
  keystoneUser('lab-web-s01', 'student-one-pw')
  keystoneUser('lab-web-s02', 'not-ours-pw')
  keystoneUser('bob', 'bob-pw', 'member', 'admin')
  guide = await startLabGuide({ project, labs: await loadLabs(), port: 0 })
})
afterAll(async () => {
  await guide?.close()
  await fake.stop()
})

describe('lab guide: files', () => {
  it('serves its page, script and style with a strict content security policy, and nothing else', async () => {
    const page = await get('/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(await page.text()).toContain('/static/guide.js')
    for (const script of ['guide', 'dom', 'lab', 'class'])
      expect((await get(`/static/${script}.js`)).headers.get('content-type'), script).toMatch(/^text\/javascript/)
    for (const path of ['/static/../server.ts', '/static/%2e%2e/server.ts', '/etc/passwd', '/static/', '/static/guide.js.map'])
      expect((await get(path)).status, path).toBe(404)
  })
})

describe('lab guide: the page in a real browser', () => {
  it('loads its modules: a student logs in and sees their labs, the trainer sees the class grid', async () => {
    // NOTE: the whole journey against a real cloud is test/integration/labs-guide.ts; this one
    // proves the page's scripts load and talk to the API, in seconds.
    await ensureMachinePackages(['chromium'], { what: 'the lab guide browser test' })
    const { chromium } = await import('playwright-core')
    // NOTE: as root, Chromium runs only without its sandbox.
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
    try {
      const errors: string[] = []
      const page = await (await browser.newContext()).newPage()
      page.on('pageerror', (e) => errors.push(e.message))
      page.on('response', (r) => void (r.status() === 404 && errors.push(`404 ${new URL(r.url()).pathname}`)))
      // GIVEN no session THEN the login form shows
      await page.goto(guide.url)
      await page.waitForSelector('#username')
      // WHEN student 1 logs in THEN their labs show as cards, and a lab opens at its start button
      await page.fill('#username', 'lab-web-s01')
      await page.fill('#password', 'student-one-pw')
      await page.click('#login')
      await page.waitForSelector('[data-lab="first-instance"]')
      expect(await page.textContent('#who')).toBe('lab-web-s01')
      await page.click('[data-lab="first-instance"]')
      await page.waitForSelector('#start')
      // WHEN they log out THEN the login form is back
      await page.click('#logout')
      await page.waitForSelector('#username')
      // WHEN the cloud's admin logs in THEN the trainer's grid shows class web with student 1, not started
      await page.fill('#username', 'admin')
      await page.fill('#password', model.secrets.admin_password)
      await page.click('#login')
      await page.waitForSelector('tr[data-student="1"]')
      expect(await page.textContent('tr[data-student="1"] td.name')).toContain('(not started)')
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  }, 900_000)
})

// Before the logins: their throttling test leaves the admin locked out for five minutes.
describe('lab guide: trainer actions', () => {
  it('gives more time to one student or the whole class, and refuses bad minutes and students', async () => {
    const { cookie } = await login('admin', model.secrets.admin_password)
    const extend = (n: number, minutes: unknown, c = cookie) =>
      post(`/api/classes/web/students/${n}/labs/first-instance/extend`, { minutes }, { cookie: c })
    expect((await extend(0, '10')).status).toBe(200)
    expect((await extend(1, '5')).status).toBe(200)
    expect((await extend(1, 'ten')).status).toBe(400)
    expect((await extend(1, '0')).status).toBe(409)
    expect(((await (await extend(9, '5')).json()) as { error: string }).error).toBe('class web has no student 9')
    const student = await login('lab-web-s01', 'student-one-pw')
    expect((await extend(1, '60', student.cookie)).status).toBe(403)
  })
})

describe('lab guide: logins', () => {
  it('lets a student of a class in with their Keystone password, in an HttpOnly, SameSite=Strict cookie', async () => {
    const { res, cookie } = await login('lab-web-s01', 'student-one-pw')
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Path=\//)
    // Over plain http the cookie cannot be Secure: a browser would never send it back.
    expect(res.headers.get('set-cookie')).not.toContain('Secure')
    const me = (await (await get('/api/me', cookie)).json()) as {
      role: string
      classId: string
      number: number
      labs: { id: string; exclusive: boolean }[]
    }
    expect(me).toMatchObject({ role: 'student', classId: 'web', number: 1 })
    expect(me.labs.map((l) => l.id)).toContain('first-instance')
    // A lab that breaks shared services is the trainer's to start, for one student at a time.
    expect(me.labs.find((l) => l.id === 'broken-service')).toMatchObject({ exclusive: true })
    const start = await post('/api/labs/broken-service/start', {}, { cookie })
    expect(start.status).toBe(403)
    expect(((await start.json()) as { error: string }).error).toMatch(
      /your trainer starts it for you \(stackhouse lab start broken-service --class web --student 1\)/,
    )
    // A student is not a trainer.
    expect((await get('/api/classes', cookie)).status).toBe(403)
    expect((await get('/api/classes/web/labs/first-instance', cookie)).status).toBe(403)
  })

  it('lets the cloud admin in as the trainer, who sees the classes and a grid', async () => {
    const { res, cookie } = await login('admin', model.secrets.admin_password)
    expect(res.status).toBe(200)
    expect(await (await get('/api/classes', cookie)).json()).toEqual(['web'])
    const grid = (await (await get('/api/classes/web/labs/first-instance', cookie)).json()) as {
      students: { number: number; started: boolean }[]
    }
    expect(grid.students).toEqual([expect.objectContaining({ number: 1, started: false })])
    // A trainer has no lab of their own to do.
    expect((await get('/api/labs/first-instance', cookie)).status).toBe(403)
  })

  it('refuses wrong passwords, users the class did not make, and users without admin as trainers', async () => {
    expect((await login('lab-web-s01', 'wrong')).res.status).toBe(401)
    expect((await login('lab-web-s02', 'not-ours-pw')).res.status).toBe(401)
    expect((await login('bob', 'bob-pw')).res.status).toBe(401)
    expect((await login('nobody', 'x')).res.status).toBe(401)
    const body = (await (await login('lab-web-s01', 'wrong')).res.json()) as { error: string }
    expect(body.error).toBe('wrong user name or password')
  })

  it('stops asking Keystone after five failures for a user, even with the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await login('admin', `wrong-${i}`)).res.status).toBe(401)
    const asked = fake.requests.length
    expect((await login('admin', model.secrets.admin_password)).res.status).toBe(429)
    expect(fake.requests.length).toBe(asked)
  })

  it('ends a session at logout', async () => {
    const { cookie } = await login('lab-web-s01', 'student-one-pw')
    expect((await get('/api/me', cookie)).status).toBe(200)
    const out = await post('/api/logout', {}, { cookie })
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/)
    expect((await get('/api/me', cookie)).status).toBe(401)
    expect((await get('/api/me', 'stackhouse_guide=made-up')).status).toBe(401)
  })
})

describe('lab guide: requests it refuses', () => {
  it('refuses a post from another site, a form post, a large body and bad JSON', async () => {
    const ok = { username: 'lab-web-s01', password: 'student-one-pw' }
    expect((await post('/api/login', ok, { origin: 'http://evil.example' })).status).toBe(403)
    const form = await fetch(new URL('/api/login', guide.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=lab-web-s01&password=student-one-pw',
    })
    expect(form.status).toBe(415)
    expect((await post('/api/login', { username: 'x', password: 'y'.repeat(20_000) })).status).toBe(413)
    expect((await post('/api/login', '{"username":')).status).toBe(400)
    expect((await post('/api/login', '["a"]')).status).toBe(400)
    expect((await post('/api/login', { username: 7, password: 'x' })).status).toBe(400)
  })

  it('answers 401 to a page without a session, 404 to an unknown one and 405 to the wrong method', async () => {
    expect((await get('/api/labs/first-instance')).status).toBe(401)
    expect((await post('/api/labs/first-instance/check', {})).status).toBe(401)
    expect((await get('/api/nothing')).status).toBe(404)
    expect((await get('/api/login')).status).toBe(405)
  })
})

describe('lab guide over https (a cloud with TLS)', () => {
  it("serves its page with the cloud's certificate, a Secure cookie, and a redirect for plain http on the same port", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-guide-tls-'))
    const ca = ensureCa(dir, 'guide test')
    const files = ensureCertificate(dir, 'api', { dns: ['localhost'], ips: ['127.0.0.1'] })
    const tls = { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') }
    const secure = await startLabGuide({ project: guideProject, labs: await loadLabs(), port: 0, tls })
    try {
      // GIVEN the guide started with the certificate of the cloud's CA
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/)
      // THEN a client that trusts only that CA gets the page, verified
      trustCertificateAuthority(readFileSync(ca.cert, 'utf8'))
      const page = await httpFetch(secure.url)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('/static/guide.js')
      // AND a student's session cookie is Secure
      const res = await httpFetch(new URL('/api/login', secure.url).href, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'lab-web-s01', password: 'student-one-pw' }),
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+; Secure$/)
      // AND plain http on the same port is sent to https, to the page only, never to a path of its own
      const port = new URL(secure.url).port
      const plain = await rawHttp(Number(port), `127.0.0.1:${port}`, '/api/me')
      expect(plain.status).toBe(308)
      expect(plain.location).toBe(`https://127.0.0.1:${port}/`)
      // AND a Host header that is not a name or an address is not echoed into the redirect
      expect((await rawHttp(Number(port), 'evil.example/"><script>', '/')).status).toBe(400)
      // AND clients that hold connections open do not keep the guide from closing: one that says
      // nothing, one that sent half a request over TLS, and the keep-alive connection of the fetches above
      const idle = connect(Number(port), '127.0.0.1').on('error', () => undefined)
      await new Promise((r) => idle.once('connect', r))
      const half = tlsConnect({ host: '127.0.0.1', port: Number(port), ca: readFileSync(ca.cert, 'utf8') }).on('error', () => undefined)
      await new Promise((r) => half.once('secureConnect', r))
      half.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n')
      const t0 = Date.now()
      await secure.close()
      expect(Date.now() - t0).toBeLessThan(1000)
      await new Promise((r) => (half.destroyed ? r(undefined) : half.once('close', r)))
    } finally {
      await secure.close().catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** One plain-http GET with a Host header of our choosing (fetch sets its own). */
function rawHttp(port: number, host: string, path: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume()
      resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) })
    })
    req.on('error', reject)
    req.end()
  })
}

describe('lab text as HTML', () => {
  it('shows raw HTML in a lab file as text and links only to http(s)', () => {
    const html = markdownToHtml('Hello <script>alert(1)</script> [x](javascript:alert(1)) [dash](http://10.0.0.1/)')
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;')
    expect(html).not.toContain('href="javascript:')
    expect(html).toContain('<a href="http://10.0.0.1/" target="_blank" rel="noopener noreferrer">dash</a>')
    expect(markdownInline('use `openstack server list`')).toBe('use <code>openstack server list</code>')
  })
})
