// SPDX-License-Identifier: Apache-2.0
// roles/keystone's admin login probe, the guard of keystone.bootstrap: the shipped
// script run by python3 against a stand-in Keystone on 127.0.0.1 that accepts one
// password, as the real one does once `keystone-manage bootstrap` has set it.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import keystone from '../../roles/keystone/role.ts'
import { fileAt, fixtureModel, renderRole } from '../helpers.ts'

const script = '/usr/local/libexec/stackhouse/keystone-admin-login'
const password = randomBytes(12).toString('hex')
const bodies: unknown[] = []
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (d: Buffer) => (body += d.toString()))
  req.on('end', () => {
    const auth = JSON.parse(body) as { auth: { identity: { password: { user: { password: string } } } } }
    bodies.push(auth)
    res.writeHead(auth.auth.identity.password.user.password === password ? 201 : 401).end()
  })
})
let url = ''
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/auth/tokens`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

/** The script as the aio host receives it, run with OS_BOOTSTRAP_PASSWORD; its exit code. */
function login(given: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-login-'))
  writeFileSync(join(dir, 'login'), fileAt(renderRole('aio', keystone), 'aio1', script).content)
  return new Promise((resolve) => {
    execFile('python3', [join(dir, 'login'), url], { env: { PATH: '/usr/bin:/bin', OS_BOOTSTRAP_PASSWORD: given } }, (e) =>
      resolve(e ? Number(e.code) : 0),
    )
  })
}

describe('keystone admin login probe', () => {
  it('passes with the right password and fails with another', async () => {
    expect(await login(password)).toBe(0)
    expect(await login(`${password}x`)).not.toBe(0)
    // AND it asked for a token of admin, scoped to the admin project in the default domain
    expect(bodies[0]).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    })
  })

  it('is the guard of keystone.bootstrap, the password in the environment, and runs once the API answers', () => {
    const model = fixtureModel('aio')
    const steps = keystone.bootstrap!({ model, host: model.hosts[0]! })
    const wait = steps.find((s) => s.id === 'keystone.wait')!
    expect(wait).toMatchObject({
      unless: '/usr/local/libexec/stackhouse/http-answers http://127.0.0.1:5000/v3',
      waitUntil: { timeoutSeconds: 120 },
    })
    const boot = steps.find((s) => s.id === 'keystone.bootstrap')!
    expect(steps.indexOf(wait)).toBeLessThan(steps.indexOf(boot))
    expect(boot.unless).toBe(`${script} http://127.0.0.1:5000/v3/auth/tokens`)
    expect(boot.env).toEqual({ OS_BOOTSTRAP_PASSWORD: model.secrets.admin_password })
    expect(fileAt(renderRole('aio', keystone), 'aio1', script).mode).toBe(0o755)
  })
})
