// SPDX-License-Identifier: Apache-2.0
// The pre-installed layer (issue 11): built by the deploy's own package phases on a
// throwaway host, then a new host made from it starts with every package in, its
// roles' units off and an identity of its own, and a deploy only configures.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSandboxLayer, removeSandboxLayer, sandboxLayer, type LayerInfo } from '../../installer/commands/layer.ts'
import { deploy } from '../../installer/deploy.ts'
import { KeystoneClient } from '../../installer/openstack/keystone.ts'
import { loadProject } from '../../installer/project.ts'
import { createSandbox, destroySandbox, listSandboxes, sandboxPaths, type SandboxHost } from '../../installer/sandbox/index.ts'
import { connectSsh } from '../../installer/transport/ssh.ts'
import type { Transport } from '../../installer/transport/types.ts'
import { roles } from '../../roles/index.ts'

const name = `t-layer-${randomBytes(2).toString('hex')}`
const infra = ['mariadb', 'rabbitmq', 'memcached', 'keystone']
let layer: LayerInfo
let hadLayer: boolean
let host: SandboxHost
let ssh: Transport
let dir: string

const sh = async (command: string) => (await ssh.exec(command)).stdout.trim()

describe('the pre-installed layer', () => {
  beforeAll(async () => {
    hadLayer = !!sandboxLayer()
    dir = mkdtempSync(join(tmpdir(), 'stackhouse-layer-test-'))
    layer = await buildSandboxLayer(roles)
    host = await createSandbox(name)
    ssh = await connectSsh(
      { host: name, address: host.address, port: 22, user: 'root', key: sandboxPaths.key },
      { knownHosts: sandboxPaths.knownHosts },
    )
  })
  afterAll(async () => {
    await ssh?.close()
    if (host) await destroySandbox(name)
    // Leave the machine as it was: a layer only where there was one.
    if (!hadLayer) removeSandboxLayer()
    rmSync(dir, { recursive: true, force: true })
  })

  it("holds the all-in-one cloud's packages, and no build host is left", () => {
    expect(layer.packages).toEqual(
      expect.arrayContaining([
        'mariadb-server',
        'keystone',
        'nova-api',
        'nova-compute-qemu',
        'neutron-l3-agent',
        'ceph-osd',
        'cinder-api',
        'openstack-dashboard',
      ]),
    )
    expect(listSandboxes().map((h) => h.name)).not.toContain('layer-build')
    // The base under it is untouched: the packages live in the layer only.
    expect(existsSync(join(sandboxPaths.baseRootfs, 'usr', 'sbin', 'mariadbd'))).toBe(false)
    expect(existsSync(join(layer.path, 'usr', 'sbin', 'mariadbd'))).toBe(true)
    expect(existsSync(join(layer.path, 'var', 'cache', 'apt', 'archives'))).toBe(false)
  })

  it('gives a new host every package, its units off, and an identity of its own', async () => {
    expect(host.layer).toBe(layer.path)
    const installed = (await sh(`dpkg-query -W -f='\${Package} \${db:Status-Abbrev}\\n' ${layer.packages.join(' ')} 2>/dev/null`))
      .split('\n')
      .filter((l) => / ii/.test(l))
      .map((l) => l.split(' ')[0]!.split(':')[0])
    expect(layer.packages.filter((p) => !installed.includes(p))).toEqual([])
    // The packages enabled their units; the layer turned them off so that nothing starts unconfigured.
    for (const unit of ['mariadb.service', 'rabbitmq-server.service', 'nova-api.service', 'apache2.service'])
      expect(await sh(`systemctl show -p UnitFileState -p ActiveState --value -- ${unit}`)).toBe('inactive\ndisabled')
    expect(await sh('cat /etc/hostname')).toBe(name)
    expect(await sh('cat /etc/machine-id')).toMatch(/^[0-9a-f]{32}$/)
    // The build host's identity is not in the layer: each host gets its own.
    for (const f of ['etc/machine-id', 'etc/hostname', 'etc/ssh/ssh_host_ed25519_key', 'root/.ssh/authorized_keys'])
      expect(existsSync(join(layer.path, f))).toBe(false)
  })

  it('deploys the infrastructure and Keystone with no package to install', async () => {
    writeFileSync(
      join(dir, 'inventory.yml'),
      `name: layer-test
target: sandbox
hosts: [{ name: ${name}, address: ${host.address} }]
groups: { control: [${name}], network: [${name}], compute: [${name}], storage: [${name}] }
networks: { management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1, interface: host0 } }
backends: { block_storage: ceph }
`,
    )
    const project = loadProject({ inventory: join(dir, 'inventory.yml'), createSecrets: true })
    const report = await deploy(project, roles, { only: infra, renderer: 'silent' })
    expect(report.failures).toEqual([])
    expect(report.changes.filter((c) => c.task.endsWith('.packages'))).toEqual([])
    expect(report.changes.map((c) => c.task)).toContain('keystone.db-sync')
    const ks = await KeystoneClient.login({
      authUrl: `http://${host.address}:5000/v3`,
      username: 'admin',
      password: project.model.secrets.admin_password,
      projectName: 'admin',
    })
    expect(ks.token).toMatch(/^gAAAAA/)
  })
})
