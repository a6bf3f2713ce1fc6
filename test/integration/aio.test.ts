// SPDX-License-Identifier: Apache-2.0
// Issue 4 end to end: the whole all-in-one cloud deployed into a fresh sandbox
// host, proven by `verify` and by the OpenStack client's own checks; a second
// deploy changes nothing and the cloud still verifies.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../installer/deploy.ts'
import { loadProject, type Project } from '../../installer/project.ts'
import { createSandbox, destroySandbox, sandboxPaths, type SandboxHost } from '../../installer/sandbox/index.ts'
import { connectSsh } from '../../installer/transport/ssh.ts'
import { verifyCloud } from '../../installer/verify/index.ts'
import { roles } from '../../roles/index.ts'
import { reuseConnection } from './keepalive-client.ts'
import { onSandboxHost } from './on-host.ts'
import { labGuideTests } from './labs-guide.ts'
import { labTests } from './labs.ts'
import { cloudStatus, waitUntilHealthy } from '../../installer/status.ts'
import { startCloud, stopCloud } from '../../installer/power.ts'
import { rotateSecrets } from '../../installer/secrets/rotate.ts'
import { ensureSecrets, SecretsError } from '../../installer/secrets/store.ts'
import { testCatalog } from '../helpers.ts'

const name = `t-aio-${randomBytes(2).toString('hex')}`
let host: SandboxHost
let project: Project

function describeFailures(r: Awaited<ReturnType<typeof verifyCloud>>): string {
  return r.checks
    .filter((c) => c.status === 'fail')
    .map((c) => `${c.name}: ${c.message} ${JSON.stringify(c.hint ?? {})}`)
    .join('\n')
}

/** `openstack …` on the control host, as admin or demo, with the password on stdin; JSON output where the command has one. */
async function openstack(args: string, user: 'admin' | 'demo', json = true): Promise<unknown> {
  const t = await connectSsh(
    { host: host.name, address: host.address, port: 22, user: 'root', key: sandboxPaths.key },
    { knownHosts: sandboxPaths.knownHosts },
  )
  try {
    const m = project.model
    const r = await t.exec(`openstack ${args}${json ? ' -f json' : ''}`, {
      env: {
        OS_AUTH_URL: m.endpoints.keystone.internal,
        OS_USERNAME: user,
        OS_PROJECT_NAME: user,
        OS_PASSWORD: user === 'admin' ? m.secrets.admin_password : m.secrets.demo_password,
        OS_USER_DOMAIN_NAME: 'Default',
        OS_PROJECT_DOMAIN_NAME: 'Default',
        OS_REGION_NAME: m.region,
        OS_IDENTITY_API_VERSION: '3',
      },
    })
    if (r.code !== 0) throw new Error(`openstack ${args}: ${r.stderr}`)
    return r.stdout.trim() ? JSON.parse(r.stdout) : null
  } finally {
    await t.close()
  }
}

/** A shell command on the host as root: its exit code and output. */
async function onHost(command: string): Promise<{ code: number; stdout: string }> {
  const { code, stdout } = await onSandboxHost(host, command)
  return { code, stdout }
}

describe('the all-in-one cloud on a fresh sandbox host', () => {
  beforeAll(async () => {
    // From the pre-installed layer when the run has one (the appliance test builds it first), as
    // the README's first command does: a configure-only deploy. The files that install from the
    // base are keystone's, interrupted's and the layer build itself.
    host = await createSandbox(name)
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-aio-'))
    writeFileSync(
      join(dir, 'inventory.yml'),
      `name: aiotest
target: sandbox
hosts: [{ name: ${name}, address: ${host.address} }]
groups: { control: [${name}], network: [${name}], compute: [${name}], storage: [${name}] }
networks:
  management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1, interface: host0 }
  provider: { cidr: 10.78.0.0/24, gateway: 10.78.0.1, interface: host1, allocation: { start: 10.78.0.100, end: 10.78.0.200 } }
backends: { network: linuxbridge, block_storage: ceph, virt_type: auto }
`,
    )
    project = loadProject({ inventory: join(dir, 'inventory.yml'), createSecrets: true })
  })
  afterAll(async () => {
    if (host) await destroySandbox(name)
  })

  it('deploys every service and passes verify', async () => {
    const r = await deploy(project, roles, { renderer: 'silent' })
    expect(r.failures).toEqual([])
    const v = await verifyCloud(project)
    expect(describeFailures(v)).toBe('')
    expect(v.checks.filter((c) => c.status === 'pass').length).toBeGreaterThanOrEqual(10)
  })

  it('status: every wanted unit running, every API answering, the deploy recorded', async () => {
    const r = await cloudStatus(project, roles)
    expect(r.hosts.flatMap((h) => h.units.filter((u) => u.state !== 'active').map((u) => `${u.unit} ${u.state}`))).toEqual([])
    expect(r.hosts[0]!.failed).toEqual([])
    expect(r.apis.filter((a) => !a.answers)).toEqual([])
    expect(r.healthy).toBe(true)
    expect(r.lastDeploy).toMatchObject({ failures: 0, hosts: [name] })
  })

  it("passes the OpenStack client's own checks", async () => {
    const compute = (await openstack('compute service list', 'admin')) as { Binary: string; State: string; Status: string }[]
    expect(compute.map((s) => s.Binary).sort()).toEqual(['nova-compute', 'nova-conductor', 'nova-scheduler'])
    expect(compute.every((s) => s.State === 'up' && s.Status === 'enabled')).toBe(true)
    const agents = (await openstack('network agent list', 'admin')) as { 'Agent Type': string; Alive: boolean }[]
    expect(agents.map((a) => a['Agent Type']).sort()).toEqual(['DHCP agent', 'L3 agent', 'Linux bridge agent', 'Metadata agent'])
    expect(agents.every((a) => a.Alive)).toBe(true)
    const volume = (await openstack('volume service list', 'admin')) as { Binary: string; State: string }[]
    expect(volume.map((s) => s.Binary).sort()).toEqual(['cinder-scheduler', 'cinder-volume'])
    expect(volume.every((s) => s.State === 'up')).toBe(true)
    // AND the demo user boots a server with `server create --wait`
    const server = (await openstack(
      'server create --wait --flavor m1.tiny --image stackhouse-tiny --network demo-net cli-check',
      'demo',
    )) as { status: string; id: string }
    expect(server.status).toBe('ACTIVE')
    // AND deletes it with --wait, which polls over one kept-alive connection (uwsgi says Connection: close)
    await openstack(`server delete --wait ${server.id}`, 'demo', false)
    expect(await openstack('server list --name cli-check', 'demo')).toEqual([])
  })

  it('serves clients that reuse connections: 1,000 requests per API, not one reset', async () => {
    // GIVEN every API port (uwsgi, eventlet, Swift's proxy, Apache for the dashboard)
    const apis = {
      keystone: 5000,
      'nova-api': 8774,
      'nova-metadata': 8775,
      placement: 8778,
      cinder: 8776,
      neutron: 9696,
      glance: 9292,
      swift: 8080,
      horizon: 80,
    }
    const failures: Record<string, unknown> = {}
    for (const [api, port] of Object.entries(apis)) {
      // WHEN one client sends 1,000 requests, reusing its connection whenever the server lets it
      const r = await reuseConnection(host.address, port, '/', 1000)
      // THEN every request is answered: the server keeps the connection or says it closes it
      if (r.answered !== 1000 || Object.keys(r.failures).length) failures[api] = r
    }
    expect(failures).toEqual({})
  })

  it("boots a server within 60 s after another server's port was updated (the Linux bridge agent does not wedge)", async () => {
    // GIVEN a running server whose port gains an allowed address pair: the agent rewrites its MAC rules
    const first = (await openstack('server create --wait --flavor m1.tiny --image stackhouse-tiny --network demo-net port-a', 'demo')) as {
      id: string
      status: string
    }
    expect(first.status).toBe('ACTIVE')
    const [port] = (await openstack(`port list --server ${first.id}`, 'demo')) as { ID: string }[]
    await openstack(`port set --allowed-address ip-address=192.168.100.250,mac-address=fa:16:3e:00:00:99 ${port!.ID}`, 'demo', false)
    await openstack(`port set --no-allowed-address ${port!.ID}`, 'demo', false)
    // WHEN another server boots
    const started = Date.now()
    const second = (await openstack('server create --flavor m1.tiny --image stackhouse-tiny --network demo-net port-b', 'demo')) as {
      id: string
    }
    let status = ''
    while (Date.now() - started < 60_000 && !['ACTIVE', 'ERROR'].includes(status)) {
      await new Promise((r) => setTimeout(r, 2000))
      status = ((await openstack(`server show ${second.id}`, 'demo')) as { status: string }).status
    }
    // THEN it is ACTIVE within 60 s, and the agent logged no failed ebtables delete
    expect(status).toBe('ACTIVE')
    expect((await onHost('grep -c "RULE_DELETE failed" /var/log/neutron/neutron-linuxbridge-agent.log || true')).stdout).toBe('0')
    await openstack(`server delete --wait ${first.id} ${second.id}`, 'demo', false)
  })

  it('runs lean: Swift housekeeping as one timed pass, a healthy Ceph with its slimmed manager, no uwsgi neutron', async () => {
    // GIVEN the one-replica Swift ring: the nine background daemons are off, the timer is on
    const daemons = [
      'account-auditor',
      'account-reaper',
      'account-replicator',
      'container-auditor',
      'container-replicator',
      'container-updater',
      'object-auditor',
      'object-replicator',
      'object-updater',
    ]
    const states = await onHost(daemons.map((d) => `systemctl is-active swift-${d}.service`).join('; '))
    expect(states.stdout.split('\n')).toEqual(daemons.map(() => 'inactive'))
    expect((await onHost('systemctl is-enabled swift-housekeeping.timer; systemctl is-active swift-housekeeping.timer')).stdout).toBe(
      'enabled\nactive',
    )
    // WHEN one pass runs now THEN every daemon's pass succeeds
    const pass = await onHost('systemctl start swift-housekeeping.service && systemctl show -p Result --value swift-housekeeping.service')
    expect(pass).toEqual({ code: 0, stdout: 'success' })
    // AND Ceph reports no failed manager module; Debian's uwsgi neutron API is not there
    expect((await onHost('ceph health')).stdout).toBe('HEALTH_OK')
    expect((await onHost('systemctl is-active neutron-server.service; systemctl is-active neutron-api.service')).stdout).toBe(
      'active\ninactive',
    )
  })

  it('changes nothing on a second deploy, and still verifies', async () => {
    const again = await deploy(project, roles, { renderer: 'silent' })
    expect(again.changes.map((c) => `${c.task} ${c.title}`)).toEqual([])
    const v = await verifyCloud(project)
    expect(describeFailures(v)).toBe('')
  })

  // The labs, on this cloud: it is the one the suite already deploys.
  labTests(() => project)
  labGuideTests(() => project)

  it('stops (services, then its sandbox host) and starts again until healthy, and then verifies', async () => {
    // WHEN stopped THEN the host is down and status says so
    const stopped = await stopCloud(project, roles)
    expect(stopped.sandboxHosts).toEqual([name])
    expect((await cloudStatus(project, roles, { timeoutMs: 2000 })).hosts[0]!.reachable).toBe(false)
    // WHEN started THEN the host boots and every wanted unit runs and every API answers within 10 minutes
    const started = await startCloud(project, roles)
    expect(started.sandboxHosts).toEqual([name])
    const health = await waitUntilHealthy(project, roles, { waitMs: 600_000 })
    const problems = [
      ...health.hosts.flatMap((h) => [
        ...h.units.filter((u) => u.state !== 'active').map((u) => `${u.unit} ${u.state}`),
        ...h.failed.map((u) => `${u} failed`),
        ...h.runningButOff.map((u) => `${u} runs`),
      ]),
      ...health.apis.filter((a) => !a.answers).map((a) => `${a.service} ${a.status ?? a.error}`),
    ]
    expect(problems).toEqual([])
    expect(health.healthy).toBe(true)
    // AND healthy means ready: verify passes right away (agents that have not reported in after the boot make status wait)
    expect(describeFailures(await verifyCloud(project))).toBe('')
  })

  it('rotates passwords on purpose: the next deploy carries them to MariaDB, RabbitMQ and Keystone, and the cloud verifies', async () => {
    const inventory = project.model.inventoryFile!
    const plan = rotateSecrets(project, roles, [
      'nova_database_password',
      'rabbitmq_password',
      'admin_password',
      'glance_keystone_password',
    ])
    expect(plan.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['/etc/nova/nova.conf', '/etc/glance/glance-api.conf', '/etc/neutron/neutron.conf']),
    )
    project = loadProject({ inventory })
    const r = await deploy(project, roles, { renderer: 'silent' })
    expect(r.failures).toEqual([])
    expect(r.changes.map((c) => c.task)).toEqual(expect.arrayContaining(['nova.database', 'rabbitmq.user', 'keystone.bootstrap']))
    expect(describeFailures(await verifyCloud(project))).toBe('')
  })

  it("refuses to deploy with another cloud's secrets, before changing anything", async () => {
    const inventory = project.model.inventoryFile!
    const other = join(dirname(inventory), 'other-secrets.yaml')
    ensureSecrets(other, testCatalog)
    const p = loadProject({ inventory, secrets: other })
    const e = await deploy(p, roles, { renderer: 'silent' }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(SecretsError)
    expect((e as Error).message).toContain(`${other}: does not belong to the cloud on these hosts (nothing was changed): `)
    // Four named (in the secrets' order), then how many more
    expect((e as Error).message).toContain(`${name} holds another ceph_fsid`)
    expect((e as Error).message).toMatch(/; and \d+ more$/)
  })
})
