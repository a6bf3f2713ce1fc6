// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import ovn, { ovnChassisSettings } from '../../roles/ovn/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, hostContext, renderRole, expectSafeSteps } from '../helpers.ts'

const ctx = (name: string) => hostContext('3-node', name)

describe('ovn role', () => {
  it.each(['aio', 'vsphere'] as const)('is off with Linux bridge networking (%s)', (fixture) => {
    // GIVEN a Linux bridge fixture WHEN ovn is asked
    // THEN it is disabled and renders nothing
    expect(ovn.enabled(fixtureModel(fixture))).toBe(false)
    expect(renderRole(fixture, ovn)).toEqual([])
  })

  it('runs ovn-central on ctl1, listening on its management address', () => {
    // GIVEN the 3-node fixture (OVN) WHEN ovn is rendered
    const files = renderRole('3-node', ovn)
    const central = fileAt(files, 'ctl1', '/etc/default/ovn-central')
    // THEN the NB and SB databases take TCP connections on ctl1's address only
    expect(central.content).toMatch(/^OVN_CTL_OPTS=".*--db-nb-addr=10\.1\.0\.11 --db-nb-port=6641 --db-nb-create-insecure-remote=yes/m)
    expect(central.content).toMatch(/--db-sb-addr=10\.1\.0\.11 --db-sb-port=6642 --db-sb-create-insecure-remote=yes"$/m)
    expect(central).toMatchObject({ owner: 'root', group: 'root', mode: 0o644, notify: ['ovn-central.service'] })
    expect(files.filter((f) => f.path === '/etc/default/ovn-central').map((f) => f.host)).toEqual(['ctl1'])
    expect(ovn.packages(ctx('ctl1'))).toEqual(['ovn-central', 'openvswitch-switch', 'ovn-host'])
    expect(ovn.units(ctx('ctl1'))).toEqual(['ovn-central.service', 'openvswitch-switch.service', 'ovn-host.service'])
  })

  it('names every chassis after its host', () => {
    // GIVEN the 3-node fixture WHEN ovn is rendered
    const files = renderRole('3-node', ovn)
    // THEN each chassis (network + compute host) has its own system-id
    for (const host of ['ctl1', 'cmp1', 'cmp2']) {
      expect(fileAt(files, host, '/etc/openvswitch/system-id.conf').content).toBe(`${host}\n`)
    }
    expect(ovn.packages(ctx('cmp1'))).toEqual(['openvswitch-switch', 'ovn-host'])
    expect(ovn.units(ctx('cmp1'))).toEqual(['openvswitch-switch.service', 'ovn-host.service'])
  })

  it('makes the network host a gateway chassis with the provider bridge', () => {
    // GIVEN ctl1, the network host with provider NIC ens4 WHEN its chassis settings are computed
    const s = ovnChassisSettings(ctx('ctl1').model, ctx('ctl1').host)
    // THEN
    expect(s.externalIds).toEqual({
      'ovn-remote': 'tcp:10.1.0.11:6642',
      'ovn-encap-type': 'geneve',
      'ovn-encap-ip': '10.1.0.11',
      'ovn-bridge': 'br-int',
      hostname: 'ctl1',
      'ovn-bridge-mappings': 'physnet1:br-ex',
      'ovn-cms-options': 'enable-chassis-as-gw',
    })
    expect(s.providerBridge).toEqual({ bridge: 'br-ex', interface: 'ens4' })
    expect(s.commands).toEqual({
      providerBridge: ['ovs-vsctl', '--may-exist', 'add-br', 'br-ex', '--', '--may-exist', 'add-port', 'br-ex', 'ens4'],
      setIds: [
        'ovs-vsctl',
        'set',
        'Open_vSwitch',
        '.',
        'external_ids:ovn-remote="tcp:10.1.0.11:6642"',
        'external_ids:ovn-encap-type="geneve"',
        'external_ids:ovn-encap-ip="10.1.0.11"',
        'external_ids:ovn-bridge="br-int"',
        'external_ids:hostname="ctl1"',
        'external_ids:ovn-bridge-mappings="physnet1:br-ex"',
        'external_ids:ovn-cms-options="enable-chassis-as-gw"',
      ],
      clearIds: ['ovs-vsctl', 'remove', 'Open_vSwitch', '.', 'external_ids', 'ovn-bridge-datapath-type'],
    })
    expect(s.datapath).toBe('system')
    expect(s.underlay).toBeNull()
  })

  it('tunnels compute chassis from their tunnel address, bridges them to the provider network, and keeps them out of gateway duty', () => {
    // GIVEN cmp2 (tunnel 10.2.0.22, provider NIC from networks.provider.interface)
    const s = ovnChassisSettings(ctx('cmp2').model, ctx('cmp2').host)
    // THEN
    expect(s.externalIds['ovn-encap-ip']).toBe('10.2.0.22')
    expect(s.externalIds.hostname).toBe('cmp2')
    // AND it can carry a router's gateway: Zed's Neutron may put one on any chassis (it reads
    // enable-chassis-as-gw and the mappings where OVN 23.03 no longer writes them)
    expect(s.externalIds['ovn-bridge-mappings']).toBe('physnet1:br-ex')
    expect(s.providerBridge).toEqual({ bridge: 'br-ex', interface: 'ens4' })
    expect(s.externalIds['ovn-cms-options']).toBeUndefined()
    // AND a chassis that was a gateway chassis before loses the option
    expect(s.clearedIds).toEqual(['ovn-cms-options', 'ovn-bridge-datapath-type'])
  })

  it('leaves out the provider bridge when the inventory has no provider network', () => {
    // GIVEN the 3-node model without its provider network
    const { model, host } = ctx('ctl1')
    const { provider: _provider, ...networks } = model.networks
    const s = ovnChassisSettings({ ...model, networks }, host)
    // THEN no bridge is created and no mapping is set
    expect(s.providerBridge).toBeNull()
    expect(s.externalIds['ovn-bridge-mappings']).toBeUndefined()
    expect(s.commands.providerBridge).toBeNull()
  })

  it('runs the userspace datapath where the host has no openvswitch module: br-phy holds the tunnel address', () => {
    // GIVEN cmp1 (tunnel NIC ens5, tunnel address 10.2.0.21) whose facts chose netdev
    const { model, host } = ctx('cmp1')
    const netdev = { ...host, ovsDatapath: 'netdev' as const }
    const s = ovnChassisSettings(model, netdev)
    // THEN ovn-controller makes br-int netdev, and Geneve leaves from br-phy with ens5 in it
    expect(s.datapath).toBe('netdev')
    expect(s.externalIds['ovn-bridge-datapath-type']).toBe('netdev')
    expect(s.underlay).toEqual({ bridge: 'br-phy', interface: 'ens5', address: '10.2.0.21/24' })
    // AND a drop-in of ovs-vswitchd puts the address back on br-phy whenever it starts or reloads
    const m = { ...model, hosts: model.hosts.map((h) => (h.name === 'cmp1' ? netdev : h)) }
    const dropIn = '/etc/systemd/system/ovs-vswitchd.service.d/stackhouse-underlay.conf'
    const files = renderRole(m, ovn)
    const conf = fileAt(files, 'cmp1', dropIn)
    expect(conf.notify).toEqual(['openvswitch-switch.service'])
    const lines = (key: string) =>
      conf.content
        .split('\n')
        .filter((l) => l.startsWith(`${key}=`))
        .map((l) => l.slice(key.length + 1))
    const underlay = [
      '/usr/bin/ovs-vsctl --may-exist add-br br-phy -- set bridge br-phy datapath_type=netdev -- --may-exist add-port br-phy ens5',
      '/sbin/ip link set dev ens5 up',
      '/sbin/ip link set dev br-phy up',
      '-/sbin/ip -4 address flush dev br-phy',
      '/sbin/ip address add 10.2.0.21/24 dev br-phy',
    ]
    expect(lines('ExecStartPost')).toEqual(underlay)
    expect(lines('ExecReload')).toEqual(underlay)
    expect(files.filter((f) => f.path === dropIn).map((f) => f.host)).toEqual(['cmp1'])
    const steps = ovn.bootstrap!({ model: m, host: netdev })
    expect(steps.map((x) => x.id)).toEqual([
      'ovn.daemon-reload',
      'ovn.userspace-datapath',
      'ovn.provider-bridge',
      'ovn.chassis',
      'ovn.ovsdb-manager',
    ])
    expect(steps[1]!.run).toContain('other_config:userspace-tso-enable=true')
    expect(steps[1]!.run).toMatch(/systemctl restart ovs-vswitchd\.service$/)
    // AND its provider bridge is netdev too
    expect(steps[2]!.run).toBe(
      'ovs-vsctl --may-exist add-br br-ex -- set bridge br-ex datapath_type=netdev -- --may-exist add-port br-ex ens4',
    )
    expectSafeSteps(m, steps)
    // AND the same host with the kernel datapath has none of it
    expect(renderRole('3-node', ovn).some((f) => f.path === dropIn)).toBe(false)
    expect(ovn.bootstrap!(ctx('cmp1')).map((x) => x.id)).not.toContain('ovn.userspace-datapath')
  })

  it('keeps the management address off br-phy: no underlay where the tunnel uses the management address', () => {
    // GIVEN ctl1, whose tunnel address is its management address, on the userspace datapath
    const { model, host } = ctx('ctl1')
    const s = ovnChassisSettings(model, { ...host, ovsDatapath: 'netdev' })
    expect(s.datapath).toBe('netdev')
    expect(s.underlay).toBeNull()
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, ovn))
  })
})

describe('ovn role: deploy hooks', () => {
  it('sets up each chassis once Open vSwitch runs: the provider bridge, then ovn-controller settings', () => {
    // GIVEN the 3-node fixture WHEN the steps of ctl1 (gateway chassis) are listed
    const { model, host } = ctx('ctl1')
    const steps = ovn.bootstrap!({ model, host })
    const s = ovnChassisSettings(model, host)
    // THEN both run after the units start, and run exactly the chassis commands
    expect(steps.map((x) => x.id)).toEqual(['ovn.provider-bridge', 'ovn.chassis'])
    expect(steps.every((x) => x.when === 'after-start')).toBe(true)
    expect(steps[0]!.run).toBe('ovs-vsctl --may-exist add-br br-ex -- --may-exist add-port br-ex ens4')
    expect(steps[0]!.unless).toBe('ovs-vsctl br-exists br-ex && [ "$(ovs-vsctl port-to-br ens4 2>/dev/null)" = br-ex ]')
    const quoted = (c: string[]) => c.map((a) => (a.includes('"') ? `'${a}'` : a)).join(' ')
    expect(steps[1]!.run).toBe(`${quoted(s.commands.setIds)} && ${quoted(s.commands.clearIds!)}`)
    // AND the guard reads back every external_ids key, quotes stripped
    for (const [k, v] of Object.entries(s.externalIds)) {
      expect(steps[1]!.unless).toContain(`[ "$(ovs-vsctl --if-exists get Open_vSwitch . external_ids:${k} | tr -d '"')" = ${v} ]`)
    }
    expectSafeSteps(model, steps)
  })

  it('sets only ovn-controller settings on a chassis without a provider NIC, and nothing on ovn-central alone', () => {
    // GIVEN the 3-node model without its provider network
    const { model, host } = ctx('cmp1')
    const { provider: _provider, ...networks } = model.networks
    // THEN cmp1 gets the external_ids step, and the OVSDB on loopback for os-vif
    expect(ovn.bootstrap!({ model: { ...model, networks }, host }).map((s) => s.id)).toEqual(['ovn.chassis', 'ovn.ovsdb-manager'])
    // AND a central host that is no chassis has no steps (ovn-ctl makes the databases)
    const central = { ...host, name: 'ctl1', groups: ['control'] }
    expect(ovn.bootstrap!({ model, host: central })).toEqual([])
    expect(ovn.register).toBeUndefined()
  })
})
