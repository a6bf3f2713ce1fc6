// SPDX-License-Identifier: Apache-2.0
// A cloud of four sandbox hosts with TLS from the deployment's CA and ML2/OVN,
// deployed as the CLI deploys it: a controller (control and network: ovn-central and
// the gateway chassis), a compute and a storage host first, then a second compute
// joins with add-host (nothing restarts elsewhere), and leaves again with remove-host
// at the end. Sandbox hosts have no openvswitch module: their facts choose OVS's
// userspace datapath, and Geneve runs over the tunnel network (host2).
// Swift's rings go from the controller to the storage host by the deploy;
// nova-compute waits for the controller's conductor; verify boots a server on each
// compute host (they ping each other over Geneve), attaches a volume from the storage host's OSD and stores objects
// on its Swift; a second deploy changes nothing; `certs renew` restarts only what
// serves the certificate. At the end the controller is backed up, lost, and restored
// onto a fresh sandbox host: OVN's northbound database is resynced from Neutron's,
// Ceph's monitor starts from its old store, and the cloud verifies. The hosts start
// from the pre-installed layer when the run has one (order.ts), as `target: sandbox`
// hosts do for a user.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addHost } from '../../installer/commands/add-host.ts'
import { removeHost } from '../../installer/commands/remove-host.ts'
import { backupCloud } from '../../installer/backup/backup.ts'
import { restoreCloud } from '../../installer/backup/restore.ts'
import { TransportError } from '../../installer/transport/types.ts'
import { deployCloud } from '../../installer/commands/deploy.ts'
import { verifyDeployedCloud } from '../../installer/commands/verify.ts'
import { loadProject, type Project } from '../../installer/project.ts'
import { createSandbox, destroySandbox } from '../../installer/sandbox/index.ts'
import { readRecord } from '../../installer/sandbox/state.ts'
import { ensureSecrets } from '../../installer/secrets/store.ts'
import { roles } from '../../roles/index.ts'
import { ringState } from '../../roles/swift/rings.ts'
import { testCatalog } from '../helpers.ts'
import { onSandboxHost } from './on-host.ts'

const tag = randomBytes(2).toString('hex')
const hosts = {
  ctl: { name: `t-mh-ctl-${tag}`, address: '10.77.0.61', tunnel: '10.79.0.61' },
  cmp1: { name: `t-mh-cmp1-${tag}`, address: '10.77.0.62', tunnel: '10.79.0.62' },
  cmp2: { name: `t-mh-cmp2-${tag}`, address: '10.77.0.63', tunnel: '10.79.0.63' },
  sto: { name: `t-mh-sto-${tag}`, address: '10.77.0.64', tunnel: '10.79.0.64' },
}
let dir: string
const open = (makeCertificates: boolean | 'renew' = true): Project =>
  loadProject({ inventory: join(dir, 'inventory.yml'), secrets: join(dir, 'secrets.yaml'), roles, makeCertificates })
const on = (h: { name: string; address: string }, command: string) => onSandboxHost(h, command)

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stackhouse-multi-'))
  const { ctl, cmp1, sto } = hosts
  // cmp2 joins later, with add-host.
  writeFileSync(
    join(dir, 'inventory.yml'),
    `name: multi
target: sandbox
hosts:
${[ctl, cmp1, sto].map((h) => `  - { name: ${h.name}, address: ${h.address}, tunnel_address: ${h.tunnel} }`).join('\n')}
groups: { control: [${ctl.name}], network: [${ctl.name}], compute: [${cmp1.name}], storage: [${sto.name}] }
networks:
  management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1, interface: host0 }
  tunnel: { cidr: 10.79.0.0/24, interface: host2 }
  provider: { cidr: 10.78.0.0/24, gateway: 10.78.0.1, interface: host1, allocation: { start: 10.78.0.100, end: 10.78.0.200 } }
backends: { network: ovn, block_storage: ceph, virt_type: auto }
tls: { enabled: true }
`,
  )
  ensureSecrets(join(dir, 'secrets.yaml'), testCatalog)
})
afterAll(async () => {
  for (const h of Object.values(hosts)) if (readRecord(h.name)) await destroySandbox(h.name)
  rmSync(dir, { recursive: true, force: true })
})

describe('a cloud of four sandbox hosts, with TLS and ML2/OVN', () => {
  it('deploys three hosts and copies the rings to the storage host', async () => {
    const started = Date.now()
    const report = await deployCloud(open(), roles, { renderer: 'silent' })
    console.log(`3-host deploy: ${((Date.now() - started) / 1000).toFixed(0)} s`)
    expect(report.failures.map((f) => `${f.host} ${f.task}: ${f.message}\n${f.stderr ?? ''}`)).toEqual([])
    // THEN the storage host got the controller's rings, byte for byte, by the deploy itself
    expect(report.changes.filter((c) => c.task === 'swift.rings-copy').map((c) => c.host)).toEqual([hosts.sto.name])
    const rings = 'sha256sum /etc/swift/account.ring.gz /etc/swift/container.ring.gz /etc/swift/object.ring.gz'
    const [built, copied] = await Promise.all([on(hosts.ctl, rings), on(hosts.sto, rings)])
    expect(copied.stdout).toBe(built.stdout)
    expect(copied.stdout.split('\n')).toHaveLength(3)
  })

  it('adds a second compute with add-host: into the inventory, deployed, mapped into the cell; nothing restarts elsewhere', async () => {
    const { cmp2 } = hosts
    // GIVEN a bare host, from the base and not the run's layer: add-host installs its packages,
    // the Python libraries first, so nova-compute's start can never meet a module half unpacked
    // (neutron's packages once broke it, unpacking the osprofiler it tries to import).
    await createSandbox(cmp2.name, { address: cmp2.address, layer: false })
    const started = Date.now()
    const report = await addHost(
      { inventory: join(dir, 'inventory.yml'), secrets: join(dir, 'secrets.yaml') },
      { name: cmp2.name, address: cmp2.address, groups: ['compute'], tunnelAddress: cmp2.tunnel },
      roles,
      { renderer: 'silent' },
    )
    console.log(`add-host (a compute): ${((Date.now() - started) / 1000).toFixed(0)} s`)
    expect(report.failures.map((f) => `${f.host} ${f.task}: ${f.message}\n${f.stderr ?? ''}`)).toEqual([])
    expect(report.inventoryChanged).toBe(true)
    expect(report.restartedElsewhere).toEqual([])
    // THEN the controller mapped it into the cell, and the new host started its agents
    expect(report.changes.filter((c) => c.task === 'nova.discover-hosts').map((c) => c.host)).toEqual([hosts.ctl.name])
    const units = report.changes.filter((c) => c.host === cmp2.name && c.task.endsWith('.service')).map((c) => c.title)
    expect(units).toEqual(expect.arrayContaining(['nova-compute.service', 'ovn-host.service', 'neutron-ovn-metadata-agent.service']))
    expect(report.changes.filter((c) => c.host === cmp2.name && c.task.endsWith('.packages')).map((c) => c.task)).toEqual(
      expect.arrayContaining(['nova.packages', 'neutron.packages']),
    )
    // AND the hosts already there changed nothing but files no unit reads at start (the host list)
    const elsewhere = report.changes.filter((c) => c.host !== cmp2.name && c.task !== 'nova.discover-hosts')
    console.log(`add-host, changes elsewhere: ${elsewhere.map((c) => `${c.host} ${c.task} ${c.title}`).join('; ') || 'none'}`)
    expect(elsewhere.filter((c) => c.task.endsWith('.service'))).toEqual([])
  })

  it('passes verify across the hosts: a server on each compute, over Geneve between them', async () => {
    // verify passes: a server on a compute host, a volume from the storage host's OSD, objects on its Swift
    const project = open(false)
    const v = await verifyDeployedCloud(project, {})
    expect(v.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.message}`)).toEqual([])
    const boot = v.checks.find((c) => c.id === 'server.boot')
    expect(boot?.message).toMatch(new RegExp(`on (${hosts.cmp1.name}|${hosts.cmp2.name}),`))
    // AND a second server, on the other compute host, answers the first over the tenant network (Geneve between them)
    const across = v.checks.find((c) => c.id === 'server.cross-host')
    expect(across?.status, across?.message).toBe('pass')
    const [, firstHost] = /on (\S+),/.exec(boot!.message)!
    expect(across!.message).toContain(`from the server on ${firstHost} at 192.168.100.`)
    expect(across!.message).toMatch(new RegExp(`on (${hosts.cmp1.name}|${hosts.cmp2.name}) answers at 10\\.78\\.0\\.`))
    expect(across!.message).not.toContain(`-2 on ${firstHost} `)
    // AND OVN carried it: each chassis tunnels from its tunnel-network address, on the userspace
    // datapath its facts chose, and the router's gateway is active on one chassis (any of them:
    // Zed's Neutron cannot see which are gateway chassis with Debian 12's OVN, roles/ovn/chassis.ts)
    const encaps = await on(hosts.ctl, 'ovn-sbctl --format=csv --data=bare --no-headings --columns=chassis_name,ip list Encap')
    expect(encaps.stdout.split('\n').sort()).toEqual([hosts.ctl, hosts.cmp1, hosts.cmp2].map((h) => `${h.name},${h.tunnel}`).sort())
    expect((await on(hosts.cmp1, 'ovs-vsctl get bridge br-int datapath_type')).stdout).toBe('netdev')
    const gateway = await on(
      hosts.ctl,
      'for c in $(ovn-sbctl --bare --columns=chassis find Port_Binding type=chassisredirect); do ovn-sbctl --bare --columns=name list Chassis "$c"; done',
    )
    expect([hosts.ctl, hosts.cmp1, hosts.cmp2].map((h) => h.name)).toContain(gateway.stdout)
    const osd = await on(hosts.ctl, 'ceph osd tree -f json')
    const osdHosts = (JSON.parse(osd.stdout) as { nodes: { type: string; name: string }[] }).nodes.filter((n) => n.type === 'host')
    expect(osdHosts.map((n) => n.name)).toEqual([hosts.sto.name])
    // AND every endpoint is https, and the storage host's object server holds the ring's only device
    expect(Object.values(project.model.endpoints).every((e) => e.public.startsWith('https://'))).toBe(true)
    expect((await on(hosts.ctl, 'swift-ring-builder /etc/swift/object.builder search --ip 10.77.0.64')).code).toBe(0)
  })

  it('changes nothing on a second deploy', async () => {
    const again = await deployCloud(open(), roles, { renderer: 'silent' })
    expect(again.failures).toEqual([])
    expect(again.changes.map((c) => `${c.host} ${c.task} ${c.title}`)).toEqual([])
  })

  it('renews the API certificate: only the controller units that serve it restart, and the cloud still answers over https', async () => {
    const report = await deployCloud(open('renew'), roles, { renderer: 'silent' })
    expect(report.failures).toEqual([])
    const restarted = report.changes.filter((c) => c.task.endsWith('.service') && c.detail?.startsWith('restart'))
    expect(new Set(restarted.map((c) => c.host))).toEqual(new Set([hosts.ctl.name]))
    expect(restarted.map((c) => c.title).sort()).toEqual(
      [
        'apache2.service',
        'cinder-api.service',
        'keystone.service',
        'neutron-server.service',
        'nova-api-metadata.service',
        'nova-api.service',
        'nova-novncproxy.service',
        'placement-api.service',
        'swift-proxy.service',
      ].sort(),
    )
    const v = await verifyDeployedCloud(open(false), { only: ['identity.endpoints'] })
    expect(v.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.message}`)).toEqual([])
  })

  it('removes the second compute with remove-host: its records gone, out of the inventory, and the services still check out', async () => {
    const { cmp2 } = hosts
    const project = { inventory: join(dir, 'inventory.yml'), secrets: join(dir, 'secrets.yaml') }
    const r = await removeHost(project, cmp2.name, roles)
    expect(r).toMatchObject({ host: cmp2.name, machine: 'sandbox host removed', inventoryChanged: true })
    expect(r.deleted).toEqual(expect.arrayContaining([`nova-compute on ${cmp2.name}`, `ovn-controller on ${cmp2.name}`]))
    expect(readRecord(cmp2.name)).toBeFalsy()
    // THEN the inventory has three hosts again, and Nova and Neutron report only theirs, all up
    const after = open(false)
    expect(after.model.hosts.map((h) => h.name)).toEqual([hosts.ctl.name, hosts.cmp1.name, hosts.sto.name])
    const v = await verifyDeployedCloud(after, { only: ['compute.services', 'network.agents'] })
    expect(v.checks.filter((c) => c.status !== 'pass' && c.id !== 'cleanup').map((c) => `${c.id}: ${c.message}`)).toEqual([])
    const computes = await on(hosts.ctl, 'nova-manage cell_v2 list_hosts 2>/dev/null')
    expect(computes.stdout).toContain(hosts.cmp1.name)
    expect(computes.stdout).not.toContain(cmp2.name)
    // AND a re-run has nothing left to do
    expect(await removeHost(project, cmp2.name, roles)).toEqual({
      host: cmp2.name,
      machine: 'not in the inventory: nothing to do',
      deleted: [],
      inventoryChanged: false,
    })
  })
  it('backs up, loses the controller, and restores it onto a fresh sandbox host: OVN, Ceph and Swift carry on, and verify passes', async () => {
    const { ctl, sto } = hosts
    // GIVEN the networks OVN carries for Neutron, Ceph's cluster and Swift's ring, and a backup taken then
    const switches = 'ovn-nbctl --bare --columns=name list Logical_Switch | sort'
    const routers = 'ovn-nbctl --bare --columns=name list Logical_Router | sort'
    const cluster = 'ceph fsid && ceph osd ls && sha256sum /etc/swift/object.ring.gz /etc/swift/object.builder'
    const [ls, lr, before] = await Promise.all([on(ctl, switches), on(ctl, routers), on(ctl, cluster)])
    expect(ls.stdout.split('\n').filter(Boolean).length).toBeGreaterThan(0)
    const file = join(dir, 'cloud.tar')
    const backup = await backupCloud(open(false), roles, { output: file })
    expect(backup.manifest.data.map((d) => `${d.role} ${d.host} ${d.dirs.join(',')}`).sort()).toEqual(
      [
        `ceph ${ctl.name} /var/lib/ceph/mon`,
        `glance ${ctl.name} /var/lib/glance/images`,
        `swift ${ctl.name} ${ringState.join(',')}`,
      ].sort(),
    )
    // AND the monitor runs again after its store was copied
    expect((await on(ctl, `systemctl is-active ceph-mon@${ctl.name}.service`)).stdout).toBe('active')
    // WHEN the controller is lost, and restore makes it again from the backup on a fresh sandbox host
    await destroySandbox(ctl.name)
    const started = Date.now()
    const restore = () => restoreCloud({ inventory: join(dir, 'inventory.yml'), secrets: join(dir, 'secrets.yaml') }, file, roles)
    // NOTE: twice in CI (2 of 3 runs of this file) an SSH session to another host died
    // (ssh2's keepalive, 60 s of silence) as restore's first deploy began, cause not found
    // yet. A failed restore is re-run, as the README tells operators: once, saying so; any
    // other failure, or a second one, fails the test.
    const restored = await restore().catch(async (e: unknown) => {
      if (!(e instanceof TransportError && e.reason === 'closed')) throw e
      console.log(`restore failed on a lost SSH session, run again as an operator would: ${e.message}`)
      return restore()
    })
    console.log(`restore of the controller: ${((Date.now() - started) / 1000).toFixed(0)} s`)
    expect(restored.data.sort()).toEqual([`ceph on ${ctl.name}`, `glance on ${ctl.name}`, `swift on ${ctl.name}`])
    expect(restored.databases).toEqual(expect.arrayContaining(['neutron', 'nova', 'nova_api', 'placement', 'cinder']))
    // THEN OVN's northbound database holds Neutron's networks and routers again, not new ones
    expect((await on(ctl, switches)).stdout).toBe(ls.stdout)
    expect((await on(ctl, routers)).stdout).toBe(lr.stdout)
    // AND Ceph is the same cluster, its OSD on the storage host, and Swift's ring and builder are the old ones
    expect((await on(ctl, cluster)).stdout).toBe(before.stdout)
    const osd = await on(ctl, 'ceph osd tree -f json')
    const nodes = (JSON.parse(osd.stdout) as { nodes: { type: string; name: string; status?: string }[] }).nodes
    expect(nodes.filter((n) => n.type === 'host').map((n) => n.name)).toEqual([sto.name])
    expect(nodes.filter((n) => n.type === 'osd').map((n) => n.status)).toEqual(['up'])
    // AND the cloud verifies: a server on the compute, a volume from the storage host, objects on its Swift
    const v = await verifyDeployedCloud(open(false), {})
    expect(v.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.message}`)).toEqual([])
    // AND a deploy after it changes nothing
    const again = await deployCloud(open(), roles, { renderer: 'silent' })
    expect(again.failures).toEqual([])
    expect(again.changes.map((c) => `${c.host} ${c.task} ${c.title}`)).toEqual([])
  })
})
