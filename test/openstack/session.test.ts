// SPDX-License-Identifier: Apache-2.0
// The REST client against a fake cloud on 127.0.0.1: endpoints come from the
// token's catalog, and errors name the service, method, URL and status.
import { createServer } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cloud, errorMessage, KeystoneClient, KeystoneError, OpenStackError, OpenStackSession } from '../../installer/openstack/index.ts'
import { FakeCloud } from './fake-cloud.ts'

const fake = new FakeCloud('admin-secret')
let ks: KeystoneClient

/** A fresh admin token from the fake cloud. */
const adminLogin = () =>
  KeystoneClient.login({ authUrl: `${fake.url}/public/identity/v3`, username: 'admin', password: 'admin-secret', projectName: 'admin' })

beforeAll(async () => {
  await fake.start()
  ks = await adminLogin()
})
afterAll(() => fake.stop())

describe('catalog lookup', () => {
  it('finds the public endpoint of a service type by default, without a trailing slash', () => {
    const s = new OpenStackSession(ks)
    expect(s.endpoint('compute')).toBe(`${fake.url}/public/compute/v2.1`)
    expect(s.endpoint('volumev3')).toBe(`${fake.url}/public/volume/v3/p-admin`)
  })

  it('uses the interface and region asked for', () => {
    const s = new OpenStackSession(ks, { interface: 'internal', region: 'RegionOne' })
    expect(s.endpoint('network')).toBe(`${fake.url}/internal/network`)
    expect(s.endpoint('image', 'admin')).toBe(`${fake.url}/admin/image`)
  })

  it('says which service is missing and what the catalog has', () => {
    const s = new OpenStackSession(ks)
    expect(() => s.endpoint('dns')).toThrow(
      /^dns: LOOKUP public endpoint → no answer: no such service in the token's catalog; catalog: identity \(public@RegionOne/,
    )
    expect(() => new OpenStackSession(ks, { region: 'RegionTwo' }).endpoint('compute')).toThrow(
      /public endpoint in RegionTwo .*the service has no such endpoint/,
    )
  })

  it("keeps the token's user and project ids", () => {
    expect(ks.projectId).toBe('p-admin')
    expect(ks.userId).toBe('u-admin')
  })
})

describe('errors', () => {
  it("name the service, method, URL and status with Nova's message", async () => {
    const c = cloud(ks)
    const e = await c.compute.attachVolume('nope', 'v1').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(OpenStackError)
    expect((e as OpenStackError).status).toBe(404)
    expect((e as Error).message).toBe(
      `compute: POST ${fake.url}/public/compute/v2.1/servers/nope/os-volume_attachments → HTTP 404: server nope could not be found.`,
    )
  })

  it("read Neutron's and Keystone's JSON and Glance's and Swift's HTML", async () => {
    fake.overrides.push({
      match: /^POST .*\/v2\.0\/floatingips$/,
      reply: {
        status: 409,
        body: { NeutronError: { type: 'IpAddressGenerationFailure', message: 'No more IP addresses available on network x.', detail: '' } },
      },
    })
    const e = await failure(cloud(ks).network.createFloatingIp('x'))
    expect(e.message).toBe(
      `network: POST ${fake.url}/public/network/v2.0/floatingips → HTTP 409: No more IP addresses available on network x.`,
    )
    const g = await failure(cloud(ks).image.download('missing'))
    expect(g.message).toBe(`image: GET ${fake.url}/public/image/v2/images/missing/file → HTTP 404: 404 Not Found No image found with ID x`)
    expect(errorMessage('{"error": {"message": "The request you have made requires authentication.", "code": 401}}')).toBe(
      'The request you have made requires authentication.',
    )
    expect(errorMessage('<html><h1>Not Found</h1><p>The resource could not be found.</p></html>')).toBe(
      'Not Found The resource could not be found.',
    )
  })

  it('say when nothing answers at all', async () => {
    const port = await closedPort()
    const e = await KeystoneClient.login({ authUrl: `http://127.0.0.1:${port}/v3`, username: 'a', password: 'b', projectName: 'c' }).catch(
      (x: unknown) => x,
    )
    expect(e).toBeInstanceOf(KeystoneError)
    expect((e as KeystoneError).status).toBe(0)
    expect((e as Error).message).toBe(`http://127.0.0.1:${port}/v3/auth/tokens: token request failed: ECONNREFUSED`)
    const s = new OpenStackSession(ks)
    const f = await failure(s.request('compute', 'GET', `http://127.0.0.1:${port}/servers`))
    expect(f.message).toBe(`compute: GET http://127.0.0.1:${port}/servers → no answer: ECONNREFUSED`)
  })

  it('let a caller allow 404 to look something up', async () => {
    const c = cloud(ks)
    expect(await c.compute.server('gone')).toBeUndefined()
    expect(await c.image.image('gone')).toBeUndefined()
    expect(await c.volume.volume('gone')).toBeUndefined()
  })
})

describe('a revoked token', () => {
  // Keystone revokes a user's tokens when the password changes, counting whole seconds:
  // a token issued in that same second is refused on its first use.
  afterEach(async () => {
    ks = await adminLogin()
  })
  it('is renewed once, after that second, by the session and by Keystone calls', async () => {
    const client = await adminLogin()
    const first = client.token
    fake.revokeTokens()
    const logins = () => fake.requests.filter((r) => r.startsWith('POST') && r.includes('/auth/tokens')).length
    const before = logins()
    const started = Date.now()
    expect(await new OpenStackSession(client).request('compute', 'GET', '/flavors')).toHaveProperty('flavors')
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000)
    expect(client.token).not.toBe(first)
    expect(logins()).toBe(before + 1)
    fake.revokeTokens()
    expect(await client.call('GET', '/projects')).toHaveProperty('projects')
    expect(logins()).toBe(before + 2)
  })

  it('is an error when the password no longer works either, after one try', async () => {
    const client = await adminLogin()
    const admin = fake.list('users').find((u) => u.name === 'admin')!
    admin.password = 'changed'
    fake.revokeTokens()
    try {
      const e = await client.call('GET', '/projects').catch((x: unknown) => x)
      expect(e).toBeInstanceOf(KeystoneError)
      expect((e as KeystoneError).status).toBe(401)
      expect((e as Error).message).toMatch(/token request failed: 401/)
    } finally {
      admin.password = 'admin-secret'
    }
  })
})

describe('data', () => {
  it('uploads and downloads image bytes and objects unchanged', async () => {
    const c = cloud(ks)
    const img = await c.image.createImage({ name: 't', disk_format: 'raw', container_format: 'bare' })
    await c.image.upload(img.id, Buffer.from('hello image'))
    expect((await c.image.download(img.id)).toString()).toBe('hello image')
    await c.objectStore.createContainer('box')
    expect(await c.objectStore.putObject('box', 'a/b.txt', Buffer.from('hi'))).toBe('49f68a5c8493ec2c0bf489821c21fc3b')
    expect((await c.objectStore.getObject('box', 'a/b.txt')).toString()).toBe('hi')
    expect(fake.requests).toContain('PUT /public/swift/v1/AUTH_p-admin/box/a/b.txt')
  })
})

/** The error a promise rejects with; fails the test when it resolves. */
function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e as Error,
  )
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise((r) => srv.close(r))
  return port
}
