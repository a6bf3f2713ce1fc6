// SPDX-License-Identifier: Apache-2.0
// Preflight's rules on the 3-node fixture, from facts as hosts report them: a
// healthy cloud passes, and each kind of problem is named with its host and fix.
// (test/integration/preflight.test.ts makes each problem real on sandbox hosts.)
import { describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { parsePreflightFacts, preflightCommand, type PreflightFacts } from '../../installer/preflight/facts.ts'
import { preflightProblems, type HostReading } from '../../installer/preflight/rules.ts'
import { skippedRules } from '../../installer/preflight/index.ts'
import { fixtureModel } from '../helpers.ts'

const GiB = 1024 ** 3
const now = 1_800_000_000_000

/** The 3-node fixture's hosts as they should be: ens3 management, ens4 provider (ctl1), ens5 tunnel. */
function healthy(model: Model): Map<string, HostReading> {
  return new Map(
    model.hosts.map((h) => {
      const facts: PreflightFacts = {
        links: [
          { name: 'lo', up: true, mtu: 65536, addresses: [] },
          { name: 'ens3', up: true, mtu: 1500, addresses: [h.address] },
          { name: 'ens4', up: false, mtu: 1500, addresses: [] },
          { name: 'ens5', up: true, mtu: 1500, addresses: h.tunnelAddress === h.address ? [] : [h.tunnelAddress] },
        ],
        memoryBytes: 16 * GiB,
        diskBytes: 100 * GiB,
        time: now / 1000 + 0.2,
        reaches: Object.fromEntries(model.hosts.filter((o) => o !== h).map((o) => [o.address, true])),
      }
      return [h.name, { facts, sentAt: now, answeredAt: now + 400 }]
    }),
  )
}

const model = fixtureModel('3-node')
const facts = (r: Map<string, HostReading>, host: string) => r.get(host)!.facts
const link = (r: Map<string, HostReading>, host: string, name: string) => facts(r, host).links.find((l) => l.name === name)!

describe('preflight rules', () => {
  it('finds nothing on hosts as the inventory describes them', () => {
    expect(preflightProblems(model, healthy(model))).toEqual([])
  })

  it('names a missing or down interface, an address on the provider NIC, and the management address nowhere', () => {
    const r = healthy(model)
    facts(r, 'cmp1').links = facts(r, 'cmp1').links.filter((l) => l.name !== 'ens5')
    link(r, 'cmp2', 'ens3').up = false
    link(r, 'ctl1', 'ens4').addresses = ['198.51.100.7']
    link(r, 'ctl1', 'ens3').addresses = ['10.1.0.99']
    const found = preflightProblems(model, r, new Set(['endpoints', 'mtu']))
    expect(found.map((p) => `${p.host} [${p.rule}] ${p.found}: ${p.fix}`)).toEqual([
      'ctl1 [interfaces] no interface holds its management address 10.1.0.11: give ctl1 its address from the inventory, or correct hosts[].address',
      "cmp1 [interfaces] interface ens5 (the tunnel network's) does not exist; the host has lo, ens3, ens4: set hosts[].interfaces.tunnel for cmp1, or networks.tunnel.interface, to one of its interfaces",
      "cmp2 [interfaces] interface ens3 (the management network's) is down: bring it up in cmp2's network configuration (ip link set ens3 up for now)",
      "ctl1 [external-address] provider interface ens4 holds 198.51.100.7: Neutron's bridge takes the interface, and the address would stop working: remove the address from ens4 (and from ctl1's network configuration), or name another interface as the provider one",
    ])
  })

  it('names the host whose MTU differs from the others, and a tunnel MTU too small for tenant networks', () => {
    const r = healthy(model)
    link(r, 'cmp2', 'ens3').mtu = 9000
    for (const h of ['ctl1', 'cmp1', 'cmp2']) link(r, h, 'ens5').mtu = 1300
    const found = preflightProblems(model, r).map((p) => `${p.host} [${p.rule}] ${p.found}`)
    expect(found).toEqual([
      "cmp2 [mtu] ens3 on the management network has MTU 9000, the other hosts' 1500",
      ...['ctl1', 'cmp1', 'cmp2'].map(
        (h) =>
          `${h} [mtu] ens5 carries tunnels with MTU 1300: less the 58 bytes of Geneve, tenant networks would get 1242, under IPv6's 1280`,
      ),
    ])
  })

  it("names a host that cannot reach another's SSH port, an endpoint address held by a host without APIs, and clocks apart", () => {
    const r = healthy(model)
    facts(r, 'cmp1').reaches['10.1.0.22'] = false
    link(r, 'ctl1', 'ens3').addresses = ['10.1.0.11']
    link(r, 'cmp2', 'ens3').addresses = ['10.1.0.22', '10.1.0.11']
    facts(r, 'cmp2').time = now / 1000 - 42
    facts(r, 'ctl1').time = now / 1000 + 0.4 + 9
    const found = preflightProblems(model, r).map((p) => `${p.host} [${p.rule}] ${p.found}`)
    expect(found).toEqual([
      // (cmp2 takes SSH on port 2222)
      'cmp1 [reach] cannot reach cmp2 at 10.1.0.22 (SSH port 2222) on the management network',
      "cmp2 [endpoints] endpoints.internal_address 10.1.0.11 is this host's, and it runs no API (it is not in the control group)",
      "ctl1 [clock] its clock is 9 s ahead of this machine's",
      "cmp2 [clock] its clock is 42 s behind this machine's",
    ])
  })

  it('says an endpoint address no host holds would not answer, and names too little memory or disk for the groups', () => {
    const aio = fixtureModel('aio')
    const r = healthy(aio)
    const host = aio.hosts[0]!.name
    facts(r, host).links = [
      { name: 'eth0', up: true, mtu: 1500, addresses: ['10.0.0.99'] },
      { name: 'eth1', up: true, mtu: 1500, addresses: [] },
    ]
    facts(r, host).memoryBytes = 3 * GiB
    facts(r, host).diskBytes = 5 * GiB
    const found = preflightProblems(aio, r, new Set(['interfaces'])).map((p) => `${p.host} [${p.rule}] ${p.found}`)
    expect(found).toEqual([
      `${host} [endpoints] endpoints.internal_address ${aio.internalAddress} is held by no host: the APIs would not answer there`,
      `${host} [resources] 3.0 GiB of memory, and compute, control, network, storage need at least 4.0 GiB`,
      `${host} [resources] 5.0 GiB free under /var/lib, and compute, control, network, storage need at least 6.0 GiB`,
    ])
    // AND a rule skipped by name is not judged; a name that is no rule is refused
    expect(preflightProblems(aio, r, new Set(['interfaces', 'endpoints', 'resources']))).toEqual([])
    expect(() => skippedRules(['mtu', 'clocks'])).toThrow(/--skip-preflight clocks: there is no such check/)
  })
})

describe('preflight facts', () => {
  it('reads what the command prints, and refuses anything else', async () => {
    // The command itself runs on real hosts in the integration test; here, its output's shape.
    expect(preflightCommand([{ address: '10.1.0.22', port: 2222 }])).toContain(`exec 3<>/dev/tcp/10.1.0.22/2222`)
    const out = [
      '@time 1800000000.25',
      '@mem 17179869184',
      '@disk 107374182400',
      '@ip [{"ifname":"lo","flags":["LOOPBACK","UP"],"mtu":65536,"operstate":"UNKNOWN","addr_info":[{"local":"127.0.0.1","scope":"host"}]},{"ifname":"ens3","flags":["BROADCAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","addr_info":[{"local":"10.1.0.11","scope":"global"},{"local":"fe80::1","scope":"link"}]},{"ifname":"ens4","flags":["BROADCAST"],"mtu":1500,"operstate":"DOWN","addr_info":[]}]',
      '@reach 10.1.0.22 yes',
      '@reach 10.1.0.23 no',
    ].join('\n')
    expect(parsePreflightFacts(out)).toEqual({
      links: [
        { name: 'lo', up: true, mtu: 65536, addresses: [] },
        { name: 'ens3', up: true, mtu: 1500, addresses: ['10.1.0.11'] },
        { name: 'ens4', up: false, mtu: 1500, addresses: [] },
      ],
      memoryBytes: 17179869184,
      diskBytes: 107374182400,
      time: 1800000000.25,
      reaches: { '10.1.0.22': true, '10.1.0.23': false },
    })
    expect(parsePreflightFacts(out.replace('@mem 17179869184', '@mem lots'))).toBeUndefined()
    expect(parsePreflightFacts(out.replace('@disk 107374182400', '@disk '))).toBeUndefined()
    expect(parsePreflightFacts(out.replace(/^@ip .*$/m, '@ip {not json'))).toBeUndefined()
  })
})
