// SPDX-License-Identifier: Apache-2.0
// Issue 3 end to end: MariaDB, RabbitMQ, memcached and Keystone deployed onto a
// real sandbox host over SSH, then used from this machine through Keystone's API.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backupCloud } from '../../installer/backup/backup.ts'
import { restoreCloud } from '../../installer/backup/restore.ts'
import { deploy, type DeployReport } from '../../installer/deploy.ts'
import { destroyCloud } from '../../installer/destroy.ts'
import { KeystoneClient } from '../../installer/openstack/keystone.ts'
import { loadProject } from '../../installer/project.ts'
import { render } from '../../installer/render/render.ts'
import { defineRole, hostsIn } from '../../installer/role/index.ts'
import { ConnectError } from '../../installer/runner/connect.ts'
import { createSandbox, destroySandbox, sandboxPaths, type SandboxHost } from '../../installer/sandbox/index.ts'
import { connectSsh } from '../../installer/transport/ssh.ts'
import { roles } from '../../roles/index.ts'

const infra = ['mariadb', 'rabbitmq', 'memcached', 'keystone']
const name = `t-ks-${randomBytes(2).toString('hex')}`
let host: SandboxHost
let dir: string

function inventory(extra = ''): string {
  return `name: ks-test
target: sandbox
hosts:
  - name: ${name}
    address: ${host.address}
groups: { control: [${name}], network: [${name}], compute: [${name}], storage: [${name}] }
networks:
  management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1, interface: host0 }
backends: { block_storage: ceph }
${extra}`
}

async function run(inv: string, opts: Parameters<typeof deploy>[2] = {}): Promise<DeployReport> {
  writeFileSync(join(dir, 'inventory.yml'), inv)
  const project = loadProject({ inventory: join(dir, 'inventory.yml'), createSecrets: true })
  return deploy(project, roles, { only: infra, renderer: 'silent', ...opts })
}

const changes = (r: DeployReport) => r.changes.map((c) => `${c.task} ${c.title}`)

describe('infrastructure and Keystone on a sandbox host', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackhouse-ks-'))
    // From the run's layer when it has one: interrupted.test.ts and the compute the multi-host
    // test adds install from the base.
    host = await createSandbox(name)
  })
  afterAll(async () => {
    if (host) await destroySandbox(name)
  })

  it('deploys, and Keystone issues a token with a catalog to this machine', async () => {
    const first = await run(inventory())
    expect(first.failures).toEqual([])
    expect(first.changes.length).toBeGreaterThan(10)
    const secrets = loadProject({ inventory: join(dir, 'inventory.yml'), createSecrets: true }).model.secrets
    const ks = await KeystoneClient.login({
      authUrl: `http://${host.address}:5000/v3`,
      username: 'admin',
      password: secrets.admin_password,
      projectName: 'admin',
    })
    expect(ks.token).toMatch(/^gAAAAA/) // a fernet token
    const identity = ks.catalog.find((c) => c.type === 'identity')
    expect(identity?.endpoints.map((e) => e.interface).sort()).toEqual(['admin', 'internal', 'public'])
    const projects = await ks.call<{ projects: { name: string }[] }>('GET', '/projects')
    expect(projects.projects.map((p) => p.name).sort()).toEqual(['admin', 'service'])
  })

  it('changes nothing on a second deploy', async () => {
    const second = await run(inventory())
    expect(second.failures).toEqual([])
    expect(changes(second)).toEqual([])
  })

  it('changes exactly the affected file and restarts only its service when one value changes', async () => {
    const third = await run(inventory('config:\n  keystone:\n    keystone.conf:\n      token: { expiration: 7200 }\n'))
    expect(changes(third)).toEqual(['keystone.file /etc/keystone/keystone.conf', 'keystone.service keystone.service'])
    expect(third.changes[1]!.detail).toMatch(/^restart/)
  })

  it('reports a package that does not exist with host and task, leaving no half-written file', async () => {
    const bogus = defineRole({
      name: 'bogus',
      description: 'test',
      enabled: () => true,
      hosts: (m) => hostsIn(m, 'control'),
      packages: () => ['stackhouse-no-such-package'],
      files: () => [],
      units: () => [],
    })
    writeFileSync(join(dir, 'inventory.yml'), inventory())
    const project = loadProject({ inventory: join(dir, 'inventory.yml'), createSecrets: true })
    const r = await deploy(project, [...roles, bogus], { only: [...infra, 'bogus'], renderer: 'silent' })
    expect(r.failures.map((f) => [f.host, f.task])).toEqual([[name, 'bogus.packages']])
    expect(r.failures[0]!.stderr).toContain('Unable to locate package stackhouse-no-such-package')
    expect(readFileSync(r.failures[0]!.log, 'utf8')).toContain('Unable to locate package')
  })

  it('refuses a wrong SSH key and a changed host key, naming the host', async () => {
    const other = join(dir, 'other_key')
    const { generateKeyPairSync } = await import('node:crypto')
    writeFileSync(
      other,
      generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey,
      { mode: 0o600 },
    )
    const wrongKey = inventory().replace(`address: ${host.address}`, `address: ${host.address}\n    ssh: { key: ${other} }`)
    await expect(run(wrongKey)).rejects.toThrow(ConnectError)
    await expect(run(wrongKey)).rejects.toThrow(`host ${name} (${host.address}): root@${host.address} refused the key`)
    // A known_hosts with another key for the address: target hosts keeps known_hosts in the project.
    const known = join(dir, '.stackhouse', 'known_hosts')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(dir, '.stackhouse'), { recursive: true })
    writeFileSync(known, `${host.address} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ0cmVnZmFrZWtleWZvcnRlc3RpbmdvbmVvbmVvbmU=\n`)
    const asHosts = inventory()
      .replace('target: sandbox', 'target: hosts')
      .replace(`address: ${host.address}`, `address: ${host.address}\n    ssh: { key: ${sandboxPaths.key} }`)
      .replace('backends: { block_storage: ceph }', '')
    await expect(run(asHosts)).rejects.toThrow(/host key changed: it now offers SHA256:/)
    expect(existsSync(known)).toBe(true)
  })

  it('backs up, and restores onto a fresh host: the same admin password, the projects made before, and nothing to change after', async () => {
    // GIVEN the cloud as the plain inventory says, a project made in it, and a backup taken then
    expect((await run(inventory())).failures).toEqual([])
    const project = loadProject({ inventory: join(dir, 'inventory.yml') })
    const password = project.model.secrets.admin_password
    const login = () =>
      KeystoneClient.login({ authUrl: `http://${host.address}:5000/v3`, username: 'admin', password, projectName: 'admin' })
    await (await login()).call('POST', '/projects', { project: { name: 'made-before-backup', domain_id: 'default' } })
    const file = join(dir, 'cloud.tar')
    const backup = await backupCloud(project, roles, { output: file })
    expect(backup.manifest.databases).toEqual(['keystone'])
    expect(statSync(file).mode & 0o777).toBe(0o600)
    // WHEN the host is lost and replaced by a fresh one at its address, the deployment folder lost its secrets
    // and CA too, and the backup is restored
    await destroySandbox(name)
    host = await createSandbox(name, { address: host.address })
    rmSync(join(dir, 'secrets.yaml'))
    rmSync(join(dir, '.stackhouse', 'tls'), { recursive: true, force: true })
    const restored = await restoreCloud({ inventory: join(dir, 'inventory.yml') }, file, roles, { only: infra })
    expect(restored.state).toContain('secrets')
    // THEN the old admin password logs in, and the project made before the backup is there
    const projects = await (await login()).call<{ projects: { name: string }[] }>('GET', '/projects')
    expect(projects.projects.map((p) => p.name)).toContain('made-before-backup')
    // AND a deploy after it changes nothing
    expect(changes(await run(inventory()))).toEqual([])
  })

  it('destroys a server completely: units stopped, packages purged, every file the deploy wrote gone', async () => {
    // GIVEN the deployed host seen as a server (target hosts), its key trusted on first use
    rmSync(join(dir, '.stackhouse', 'known_hosts'), { force: true })
    writeFileSync(
      join(dir, 'inventory.yml'),
      inventory()
        .replace('target: sandbox', 'target: hosts')
        .replace(`address: ${host.address}`, `address: ${host.address}\n    ssh: { key: ${sandboxPaths.key} }`),
    )
    const project = loadProject({ inventory: join(dir, 'inventory.yml'), createSecrets: true })
    const written = render(project.model, roles, project.overrides)
      .filter((f) => ['mariadb', 'keystone'].includes(f.role))
      .map((f) => f.path)
    expect(written).toContain('/etc/mysql/mariadb.conf.d/99-openstack.cnf')
    // WHEN destroyed
    const report = await destroyCloud(project, roles, { trustNewHosts: true })
    expect(report.hosts).toEqual([expect.objectContaining({ host: name, how: 'purged' })])
    // THEN no service package is installed, nothing listens on Keystone's or MariaDB's port
    const t = await connectSsh(
      { host: name, address: host.address, port: 22, user: 'root', key: sandboxPaths.key },
      { knownHosts: sandboxPaths.knownHosts },
    )
    try {
      const installed = await t.exec(
        "dpkg-query -W -f='${Package} ${db:Status-Status}\\n' mariadb-server keystone rabbitmq-server memcached 2>/dev/null",
      )
      expect(installed.stdout.split('\n').filter((l) => l.endsWith(' installed'))).toEqual([])
      expect(await t.exec('ss -Hltn sport = :5000 or sport = :3306 or sport = :5672')).toMatchObject({ code: 0, stdout: '' })
      // AND neither the files the deploy wrote nor the services' data are left; the host's own files are
      const left = await t.exec(
        `for f in ${[...written, '/var/lib/mysql', '/etc/keystone'].join(' ')}; do [ -e "$f" ] && echo "$f"; done; true`,
      )
      expect(left.stdout.trim()).toBe('')
      expect((await t.exec('test -s /etc/hosts')).code).toBe(0)
    } finally {
      await t.close()
    }
  })
})
