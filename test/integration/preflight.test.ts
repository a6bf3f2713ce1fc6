// SPDX-License-Identifier: Apache-2.0
// Preflight on two real sandbox hosts, through the deploy: a cloud as the inventory
// describes it passes; then each rule's problem is made real on the hosts (a missing
// interface, an address on the provider NIC, an MTU mismatch, a host that cannot
// reach the other, an endpoint address on a host without APIs, a clock running
// ahead, too little disk) and the deploy stops before touching anything, naming each.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploy } from '../../installer/deploy.ts'
import { loadProject } from '../../installer/project.ts'
import { createSandbox, destroySandbox, type SandboxHost } from '../../installer/sandbox/index.ts'
import { ensureSecrets } from '../../installer/secrets/store.ts'
import { roles } from '../../roles/index.ts'
import { testCatalog } from '../helpers.ts'
import { onSandboxHost } from './on-host.ts'

const tag = randomBytes(2).toString('hex')
const [a, b] = [`t-pfa-${tag}`, `t-pfb-${tag}`]
let ha: SandboxHost
let hb: SandboxHost
let dir: string

/** A two-host cloud on the sandbox hosts: a controls, b computes and stores. */
function inventory(extra: { provider?: string; internal?: string } = {}): string {
  const file = join(dir, 'inventory.yml')
  writeFileSync(
    file,
    `name: preflight
target: sandbox
hosts:
  - { name: ${a}, address: ${ha.address} }
  - { name: ${b}, address: ${hb.address}${extra.provider ? `, interfaces: { provider: ${extra.provider} }` : ''} }
groups: { control: [${a}], network: [${a}], compute: [${b}], storage: [${b}] }
networks:
  management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1, interface: host0 }
  provider: { cidr: 10.78.0.0/24, gateway: 10.78.0.1, interface: host1, allocation: { start: 10.78.0.100, end: 10.78.0.200 } }
backends: { network: linuxbridge, block_storage: ceph }
${extra.internal ? `endpoints: { internal_address: ${extra.internal} }\n` : ''}`,
  )
  return file
}

/** A deploy of one role (--check unless `change`): what preflight says, or '' when it lets the run go on. */
async function preflightSays(file: string, change = false): Promise<string> {
  const project = loadProject({ inventory: file, secrets: join(dir, 'secrets.yaml'), roles })
  try {
    await deploy(project, roles, { check: !change, only: ['memcached'], renderer: 'silent' })
    return ''
  } catch (e) {
    return (e as Error).message
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stackhouse-preflight-'))
  ;[ha, hb] = await Promise.all([createSandbox(a, { address: '10.77.0.41' }), createSandbox(b, { address: '10.77.0.42' })])
  ensureSecrets(join(dir, 'secrets.yaml'), testCatalog)
})
afterAll(async () => {
  for (const n of [a, b]) await destroySandbox(n).catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
})

describe('preflight', () => {
  it('lets a deploy of hosts as the inventory describes them go on', async () => {
    expect(await preflightSays(inventory())).toBe('')
  })

  it('stops the deploy before any change, naming every problem with its host and fix', async () => {
    // GIVEN each problem made real on the hosts
    const fakeDate = `printf '#!/bin/sh\\nexec /bin/date -d "+90 seconds" "$@"\\n' > /usr/local/bin/date && chmod 755 /usr/local/bin/date`
    const onA = await onSandboxHost(
      ha,
      [
        fakeDate,
        // an address on the provider NIC
        'ip addr add 10.78.0.250/24 dev host1',
        // b unreachable from a
        `ip route add blackhole ${hb.address}/32`,
      ].join(' && '),
    )
    expect(onA.code, onA.stderr).toBe(0)
    // (a tmpfs of 512 MiB over /var/lib stands for a full disk)
    const onB = await onSandboxHost(hb, 'ip link set host0 mtu 1400 && mount -t tmpfs -o size=512m tmpfs /var/lib')
    expect(onB.code, onB.stderr).toBe(0)
    try {
      // WHEN the inventory also names an interface b does not have, and b's address as the internal endpoint,
      // and the deploy is a real one (not --check)
      const hostsBefore = (await onSandboxHost(ha, 'cat /etc/hosts')).stdout
      const said = await preflightSays(inventory({ provider: 'ens9', internal: hb.address }), true)
      // THEN the deploy stops, every problem on its own line
      const lines = said.split('\n')
      expect(lines).toEqual([
        'preflight found 8 problem(s), and nothing was changed:',
        `  ${b} [interfaces] interface ens9 (the provider network's) does not exist; the host has lo, host0, host1, host2: set hosts[].interfaces.provider for ${b}, or networks.provider.interface, to one of its interfaces`,
        `  ${a} [external-address] provider interface host1 holds 10.78.0.250: Neutron's bridge takes the interface, and the address would stop working: remove the address from host1 (and from ${a}'s network configuration), or name another interface as the provider one`,
        `  ${b} [mtu] host0 on the management network has MTU 1400, the other hosts' 1500: set MTU 1500 on host0 (or the same MTU on every host of the management network)`,
        `  ${a} [reach] cannot reach ${b} at ${hb.address} (SSH port 22) on the management network: check the route and firewalls between ${a} and ${b}`,
        // (a's replies to b go nowhere either)
        `  ${b} [reach] cannot reach ${a} at ${ha.address} (SSH port 22) on the management network: check the route and firewalls between ${b} and ${a}`,
        `  ${b} [endpoints] endpoints.internal_address ${hb.address} is this host's, and it runs no API (it is not in the control group): set endpoints.internal_address to a control host's address, or free ${hb.address} on ${b}`,
        expect.stringMatching(
          new RegExp(
            `^  ${a} \\[clock\\] its clock is (89|90) s ahead of this machine's: keep the clocks in step: enable systemd-timesyncd or chrony on ${a} \\(and here\\)$`,
          ),
        ),
        `  ${b} [resources] 0.5 GiB free under /var/lib, and compute, storage need at least 4.0 GiB: free space or grow ${b}'s disk`,
      ])
      // AND the deploy changed nothing: the common role's /etc/hosts (naming both hosts) was not written
      expect((await onSandboxHost(ha, 'cat /etc/hosts')).stdout).toBe(hostsBefore)
      expect(hostsBefore).not.toContain(b)
    } finally {
      await onSandboxHost(ha, `rm -f /usr/local/bin/date; ip addr del 10.78.0.250/24 dev host1; ip route del blackhole ${hb.address}/32`)
      await onSandboxHost(hb, 'umount /var/lib; ip link set host0 mtu 1500')
    }
    // AND with the hosts mended, the deploy goes on
    expect(await preflightSays(inventory())).toBe('')
  })
})
