// SPDX-License-Identifier: Apache-2.0
// The lab guide: a small web app for students (lab text beside a link to the
// dashboard, Check and Hint, a progress bar) and trainers (the live class grid,
// reset and solve for a student). Plain node:http and three static files; no
// bundler and nothing from the internet. Everything it does goes through the
// same LabRunner as `stackhouse lab`, so the CLI and the page agree.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { StackhouseError } from '../../errors.ts'
import { packageRoot } from '../../paths.ts'
import type { Project } from '../../project.ts'
import { extendTime } from '../class.ts'
import { Classroom } from '../classroom.ts'
import { holdsCloud } from '../exclusive.ts'
import { LabError } from '../errors.ts'
import type { Lab } from '../load.ts'
import { LabRunner } from '../runner.ts'
import { Sessions, sessionCookie, type Identity } from './auth.ts'
import { cookie, field, HttpError, optionalField, readJson, sendFile, sendJson } from './http.ts'
import { guideListener, type GuidePem } from './listener.ts'
import { gridView, labSummary, labView, resultView } from './views.ts'

export interface LabGuideOptions {
  project: Project
  labs: Lab[]
  /** Address to listen on. @default '127.0.0.1' */
  host?: string
  /** Port; 0 picks a free one. @default 8480 */
  port?: number
  /** One line per login and per failure, for the journal. */
  log?: (line: string) => void
  /** Serve https with this certificate and key (the session cookie is then Secure); plain http without. */
  tls?: GuidePem
}

export interface LabGuide {
  url: string
  server: Server
  close(): Promise<void>
}

export const defaultGuidePort = 8480

// From the package root: the compiled server runs from dist/, the files stay beside the sources.
const staticDir = join(packageRoot, 'installer', 'labs', 'guide', 'static')
/** The only files served: a fixed table, so no request path ever reaches the file system. */
const staticFiles: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/static/guide.js': { file: 'guide.js', type: 'text/javascript; charset=utf-8' },
  '/static/dom.js': { file: 'dom.js', type: 'text/javascript; charset=utf-8' },
  '/static/lab.js': { file: 'lab.js', type: 'text/javascript; charset=utf-8' },
  '/static/class.js': { file: 'class.js', type: 'text/javascript; charset=utf-8' },
  '/static/guide.css': { file: 'guide.css', type: 'text/css; charset=utf-8' },
}

type Handler = (who: Identity | undefined, m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) => Promise<unknown>

/** Start the lab guide; resolves once it listens. */
export async function startLabGuide(opts: LabGuideOptions): Promise<LabGuide> {
  const guide = new GuideApp(opts)
  const listener = guideListener((req, res) => void guide.handle(req, res), opts.tls)
  listener.app.headersTimeout = 20_000
  listener.app.requestTimeout = 120_000
  const { socket } = listener
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.listen(opts.port ?? defaultGuidePort, opts.host ?? '127.0.0.1', () => resolve())
  })
  const a = socket.address() as AddressInfo
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
  return { url: `${listener.secure ? 'https' : 'http'}://${host}:${a.port}/`, server: listener.app, close: listener.close }
}

class GuideApp {
  private readonly sessions: Sessions
  private readonly rooms = new Map<string, Classroom>()
  private readonly runners = new Map<string, LabRunner>()
  private readonly busy = new Map<string, Promise<unknown>>()
  private readonly routes: [string, RegExp, Handler][]
  /** Served over https: the cookie is never sent over plain http. */
  private readonly secure: boolean

  constructor(private readonly opts: LabGuideOptions) {
    this.sessions = new Sessions(opts.project)
    this.secure = opts.tls !== undefined
    const lab = '([a-z0-9-]{1,40})'
    const cls = '([a-z][a-z0-9]{0,11})'
    this.routes = [
      ['POST', /^\/api\/login$/, (_w, _m, req, res) => this.login(req, res)],
      ['POST', /^\/api\/logout$/, async (_w, _m, req, res) => this.logout(req, res)],
      ['GET', /^\/api\/me$/, async (who) => this.me(who)],
      ['GET', new RegExp(`^/api/labs/${lab}$`), (who, m) => labView(this.runnerOf(student(who), m[1]!))],
      ['POST', new RegExp(`^/api/labs/${lab}/(start|check|hint)$`), (who, m, req) => this.learnerAction(student(who), m[1]!, m[2]!, req)],
      ['GET', /^\/api\/classes$/, async (who) => (trainer(who), this.classes())],
      [
        'GET',
        new RegExp(`^/api/classes/${cls}/labs/${lab}$`),
        async (who, m) => (trainer(who), gridView(this.opts.project, m[1]!, this.lab(m[2]!))),
      ],
      [
        'POST',
        new RegExp(`^/api/classes/${cls}/students/(\\d{1,3})/labs/${lab}/(reset|solve|extend)$`),
        (who, m, req) => (trainer(who), this.trainerAction(m[1]!, Number(m[2]), m[3]!, m[4]!, req)),
      ],
    ]
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'http://guide').pathname
      const file = staticFiles[path === '/index.html' ? '/' : path]
      if (file && req.method === 'GET') return sendFile(res, file.type, readFileSync(join(staticDir, file.file)))
      const route = this.routes.find(([method, re]) => method === req.method && re.test(path))
      if (!route) throw new HttpError(this.routes.some(([, re]) => re.test(path)) ? 405 : 404, 'no such page')
      if (req.method === 'POST') sameOrigin(req)
      const who = this.sessions.get(cookie(req, sessionCookie))
      const body = await route[2](who, route[1].exec(path)!, req, res)
      if (!res.headersSent) sendJson(res, 200, body ?? {})
    } catch (e) {
      this.fail(res, e)
    }
  }

  private fail(res: ServerResponse, e: unknown): void {
    if (res.headersSent) return void res.end()
    if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message })
    if (e instanceof StackhouseError) {
      // A lab the cloud cannot run, a step that is not there: the learner's business. The cloud failing: the trainer's.
      const status = e instanceof LabError && e.kind !== 'hosts' ? 409 : 502
      this.opts.log?.(`${status} ${e.message}`)
      return sendJson(res, status, { error: e.message, ...(e.fix ? { fix: e.fix } : {}) })
    }
    this.opts.log?.(`500 ${(e as Error).stack ?? String(e)}`)
    sendJson(res, 500, { error: 'the lab guide failed: the trainer finds why in its log' })
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const body = await readJson(req)
    const { id, who } = await this.sessions.login(field(body, 'username', 64), field(body, 'password', 200), req.socket.remoteAddress ?? '')
    this.opts.log?.(`login: ${who.user} (${who.role}) from ${req.socket.remoteAddress ?? '?'}`)
    res.setHeader('set-cookie', Sessions.cookie(id, this.secure))
    return this.me(who)
  }

  private logout(req: IncomingMessage, res: ServerResponse): unknown {
    this.sessions.logout(cookie(req, sessionCookie))
    res.setHeader('set-cookie', Sessions.cookie('', this.secure))
    return { ok: true }
  }

  private me(who: Identity | undefined): unknown {
    if (!who) throw new HttpError(401, 'log in first')
    const dashboard = this.opts.project.model.dashboardUrl
    if (who.role === 'trainer')
      return {
        ...who,
        dashboard,
        labs: this.opts.labs.map((l) => ({ id: l.file.id, title: l.file.title, steps: l.file.steps.length })),
        classes: this.classes(),
      }
    return { ...who, dashboard, labs: this.opts.labs.map((l) => labSummary(this.runnerOf(who, l.file.id))) }
  }

  private async learnerAction(who: Identity & { role: 'student' }, labId: string, action: string, req: IncomingMessage): Promise<unknown> {
    const body = await readJson(req)
    const step = optionalField(body, 'step', 60)
    const runner = this.runnerOf(who, labId)
    return this.oneAtATime(`${who.classId}/${who.number}/${labId}`, async () => {
      if (action === 'start' && runner.lab.file.isolation === 'exclusive') {
        // A click must not break what the whole class shares: the trainer gives the cloud to one student.
        if (!holdsCloud(this.opts.project.paths.stateDir, { classId: who.classId, student: who.number, lab: labId }))
          throw new HttpError(
            403,
            `${runner.lab.file.title} changes services the whole class shares: your trainer starts it for you (stackhouse lab start ${labId} --class ${who.classId} --student ${who.number})`,
          )
      }
      if (action === 'start') {
        await runner.start()
        return labView(runner)
      }
      if (action === 'hint') {
        const h = await runner.hint(step)
        return { step: h.step.id, number: h.number, of: h.of, view: await labView(runner) }
      }
      const { step: s, result } = await runner.check(step)
      return { step: s.id, result: resultView(result), view: await labView(runner) }
    })
  }

  private async trainerAction(classId: string, n: number, labId: string, action: string, req: IncomingMessage): Promise<unknown> {
    const body = await readJson(req)
    if (action === 'extend') {
      // Student 0: everyone in the class.
      const minutes = Number(field(body, 'minutes', 4))
      if (!Number.isInteger(minutes)) throw new HttpError(400, '"minutes" must be a whole number')
      extendTime(this.opts.project, classId, this.lab(labId), minutes, n === 0 ? undefined : n)
      this.opts.log?.(`extend: ${labId} by ${minutes} min for ${n === 0 ? 'everyone' : `student ${n}`} of ${classId}`)
      return gridView(this.opts.project, classId, this.lab(labId))
    }
    const runner = this.runner(classId, n, labId)
    if (!runner.room.hasStudent(n)) throw new HttpError(404, `class ${classId} has no student ${n}`)
    await this.oneAtATime(`${classId}/${n}/${labId}`, async () => {
      if (action === 'reset') await runner.reset()
      else await runner.solve(field(body, 'step', 60))
    })
    this.opts.log?.(`${action}: ${labId} for student ${n} of ${classId}`)
    return gridView(this.opts.project, classId, this.lab(labId))
  }

  /** One action at a time per student and lab: a double click waits for the first. */
  private oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.busy.get(key) ?? Promise.resolve()).then(fn, fn)
    const tail = run.catch(() => undefined)
    this.busy.set(key, tail)
    void tail.then(() => this.busy.get(key) === tail && this.busy.delete(key))
    return run
  }

  private lab(id: string): Lab {
    const lab = this.opts.labs.find((l) => l.file.id === id)
    if (!lab) throw new HttpError(404, `no lab "${id}"`)
    return lab
  }

  private runnerOf(who: Identity & { role: 'student' }, labId: string): LabRunner {
    return this.runner(who.classId, who.number, labId)
  }

  /** Runners live as long as the server: each keeps its student's login and context. */
  private runner(classId: string, n: number, labId: string): LabRunner {
    const key = `${classId}/${n}/${labId}`
    let r = this.runners.get(key)
    if (!r) {
      let room = this.rooms.get(classId)
      if (!room) this.rooms.set(classId, (room = new Classroom(this.opts.project, classId)))
      r = new LabRunner(this.lab(labId), room, n, { create: false })
      this.runners.set(key, r)
    }
    return r
  }

  /** The classes made on this cloud: folders of the labs' state. */
  private classes(): string[] {
    const dir = join(this.opts.project.paths.stateDir, 'labs')
    if (!existsSync(dir)) return []
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && /^[a-z][a-z0-9]{0,11}$/.test(d.name))
      .map((d) => d.name)
      .sort()
  }
}

function student(who: Identity | undefined): Identity & { role: 'student' } {
  if (!who) throw new HttpError(401, 'log in first')
  if (who.role !== 'student') throw new HttpError(403, 'this page is for students: log in as one')
  return who
}

function trainer(who: Identity | undefined): void {
  if (!who) throw new HttpError(401, 'log in first')
  if (who.role !== 'trainer') throw new HttpError(403, 'this page is for the trainer')
}

/** A POST from another site's page is refused, whatever cookies it carries. */
function sameOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin
  if (origin === undefined) return
  let host: string
  try {
    host = new URL(origin).host
  } catch {
    throw new HttpError(403, 'the request came from another site')
  }
  if (host !== req.headers.host) throw new HttpError(403, 'the request came from another site')
}
