// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { iniGet, parseIni, type IniSection } from '../../installer/render/ini.ts'
import { authtoken, databaseUrl, keystoneAuth, transportUrl } from '../../installer/render/openstack.ts'
import type { RenderedFile } from '../../installer/render/render.ts'
import neutron, { tlsFiles } from '../../roles/neutron/role.ts'
import { ovnSyncConfPath } from '../../roles/neutron/files.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, hostContext, renderRole, expectSafeSteps } from '../helpers.ts'

const ini = (files: RenderedFile[], host: string, path: string): IniSection[] => parseIni(fileAt(files, host, path).content)
const paths = (files: RenderedFile[], host: string) => files.filter((f) => f.host === host).map((f) => f.path)

const NEUTRON_CONF = '/etc/neutron/neutron.conf'
const ML2 = '/etc/neutron/plugins/ml2/ml2_conf.ini'
const LB = '/etc/neutron/plugins/ml2/linuxbridge_agent.ini'
const OVN_META = '/etc/neutron/neutron_ovn_metadata_agent.ini'

describe('neutron role: server configuration', () => {
  it.each(fixtureNames)('%s: neutron.conf carries the database, RabbitMQ, Keystone and Nova credentials', (fixture) => {
    // GIVEN the fixture model WHEN neutron is rendered
    const model = fixtureModel(fixture)
    const files = renderRole(fixture, neutron)
    const control = model.hosts.find((h) => h.groups.includes('control'))!
    const conf = ini(files, control.name, NEUTRON_CONF)
    // THEN the shared helpers' values appear verbatim
    expect(iniGet(conf, 'DEFAULT', 'core_plugin')).toBe('ml2')
    expect(iniGet(conf, 'DEFAULT', 'transport_url')).toBe(transportUrl(model))
    expect(iniGet(conf, 'database', 'connection')).toBe(databaseUrl(model, 'neutron'))
    expect(iniGet(conf, 'DEFAULT', 'notify_nova_on_port_status_changes')).toBe('true')
    expect(iniGet(conf, 'oslo_concurrency', 'lock_path')).toBe('/var/lock/neutron')
    expect(iniGet(conf, 'agent', 'root_helper')).toBe('sudo neutron-rootwrap /etc/neutron/rootwrap.conf')
    const at = authtoken(model, 'neutron')
    expect(iniGet(conf, 'keystone_authtoken', 'www_authenticate_uri')).toBe(at.wwwAuthenticateUri)
    expect(iniGet(conf, 'keystone_authtoken', 'auth_url')).toBe(at.authUrl)
    expect(iniGet(conf, 'keystone_authtoken', 'memcached_servers')).toBe(at.memcachedServers)
    expect(iniGet(conf, 'keystone_authtoken', 'auth_type')).toBe('password')
    expect(iniGet(conf, 'keystone_authtoken', 'project_domain_name')).toBe('Default')
    expect(iniGet(conf, 'keystone_authtoken', 'user_domain_name')).toBe('Default')
    expect(iniGet(conf, 'keystone_authtoken', 'project_name')).toBe('service')
    expect(iniGet(conf, 'keystone_authtoken', 'username')).toBe('neutron')
    expect(iniGet(conf, 'keystone_authtoken', 'password')).toBe(model.secrets.neutron_keystone_password)
    expect(iniGet(conf, 'keystone_authtoken', 'region_name')).toBe(model.region)
    expect(iniGet(conf, 'keystone_authtoken', 'service_token_roles_required')).toBe('true')
    const nova = keystoneAuth(model, 'nova')
    expect(iniGet(conf, 'nova', 'auth_url')).toBe(nova.authUrl)
    expect(iniGet(conf, 'nova', 'username')).toBe('nova')
    expect(iniGet(conf, 'nova', 'password')).toBe(model.secrets.nova_keystone_password)
    expect(iniGet(conf, 'nova', 'region_name')).toBe(model.region)
    expect(iniGet(conf, 'nova', 'endpoint_type')).toBe('internal')
    // AND the file is readable by the neutron group only
    expect(fileAt(files, control.name, NEUTRON_CONF)).toMatchObject({ owner: 'root', group: 'neutron', mode: 0o640 })
  })

  it('sizes the workers: the all-in-one API in the main process, one RPC worker; 4 of each on a control host', () => {
    // GIVEN the aio (Linux bridge) and 3-node (OVN) fixtures WHEN neutron is rendered
    const aio = ini(renderRole('aio', neutron), 'aio1', NEUTRON_CONF)
    const three = ini(renderRole('3-node', neutron), 'ctl1', NEUTRON_CONF)
    // THEN the aio server forks only its RPC worker, which also takes the agents' state reports
    expect(iniGet(aio, 'DEFAULT', 'api_workers')).toBe('0')
    expect(iniGet(aio, 'DEFAULT', 'rpc_workers')).toBe('1')
    expect(iniGet(aio, 'DEFAULT', 'rpc_state_report_workers')).toBe('0')
    // AND a control host of a cluster keeps apiWorkers of each and a state-report worker
    expect(iniGet(three, 'DEFAULT', 'api_workers')).toBe('4')
    expect(iniGet(three, 'DEFAULT', 'rpc_workers')).toBe('4')
    expect(iniGet(three, 'DEFAULT', 'rpc_state_report_workers')).toBe('1')
  })

  it('configures ML2 for Linux bridge (aio) and for OVN (3-node)', () => {
    // GIVEN aio (linuxbridge) and 3-node (ovn) WHEN neutron is rendered
    const lb = ini(renderRole('aio', neutron), 'aio1', ML2)
    const ovn = ini(renderRole('3-node', neutron), 'ctl1', ML2)
    const lbConf = ini(renderRole('aio', neutron), 'aio1', NEUTRON_CONF)
    const ovnConf = ini(renderRole('3-node', neutron), 'ctl1', NEUTRON_CONF)
    // THEN Linux bridge uses VXLAN tenant networks and the experimental switch Zed requires
    expect(iniGet(lb, 'ml2', 'type_drivers')).toBe('flat,vlan,vxlan')
    expect(iniGet(lb, 'ml2', 'tenant_network_types')).toBe('vxlan')
    expect(iniGet(lb, 'ml2', 'mechanism_drivers')).toBe('linuxbridge,l2population')
    expect(iniGet(lb, 'ml2', 'extension_drivers')).toBe('port_security')
    expect(iniGet(lb, 'ml2_type_vxlan', 'vni_ranges')).toBe('1:1000')
    expect(iniGet(lb, 'ovn', 'ovn_nb_connection')).toBeUndefined()
    expect(iniGet(lbConf, 'DEFAULT', 'service_plugins')).toBe('router')
    expect(iniGet(lbConf, 'experimental', 'linuxbridge')).toBe('true')
    // AND OVN uses Geneve, the OVN databases on ctl1, and ovn-router in place of router
    expect(iniGet(ovn, 'ml2', 'type_drivers')).toBe('flat,vlan,geneve')
    expect(iniGet(ovn, 'ml2', 'tenant_network_types')).toBe('geneve')
    expect(iniGet(ovn, 'ml2', 'mechanism_drivers')).toBe('ovn')
    expect(iniGet(ovn, 'ml2_type_geneve', 'max_header_size')).toBe('38')
    expect(iniGet(ovn, 'ovn', 'ovn_nb_connection')).toBe('tcp:10.1.0.11:6641')
    expect(iniGet(ovn, 'ovn', 'ovn_sb_connection')).toBe('tcp:10.1.0.11:6642')
    expect(iniGet(ovn, 'ovn', 'ovn_metadata_enabled')).toBe('true')
    expect(iniGet(ovnConf, 'DEFAULT', 'service_plugins')).toBe('ovn-router')
    expect(iniGet(ovnConf, 'experimental', 'linuxbridge')).toBeUndefined()
  })

  it('maps the provider physnet when there is a provider network, and disables flat networks when not', () => {
    // GIVEN aio (provider physnet1) and vsphere (no provider network)
    const aio = ini(renderRole('aio', neutron), 'aio1', ML2)
    const vova = ini(renderRole('vsphere', neutron), 'vova', ML2)
    // THEN aio allows flat and VLAN provider networks on physnet1, vsphere none at all
    expect(iniGet(aio, 'ml2_type_flat', 'flat_networks')).toBe('physnet1')
    expect(iniGet(aio, 'ml2_type_vlan', 'network_vlan_ranges')).toBe('physnet1')
    expect(iniGet(vova, 'ml2_type_flat', 'flat_networks')).toBe('')
    expect(iniGet(vova, 'ml2_type_vlan', 'network_vlan_ranges')).toBe('')
  })
})

describe('neutron role: Linux bridge agents', () => {
  it('runs the server and every agent on the all-in-one host', () => {
    // GIVEN the aio fixture WHEN neutron's packages and units are asked for
    const { model, host } = hostContext('aio', 'aio1')
    // THEN the host runs the eventlet server and the four Linux bridge agents
    expect(neutron.packages({ model, host })).toEqual([
      'neutron-common',
      'neutron-linuxbridge-agent',
      'neutron-dhcp-agent',
      'neutron-l3-agent',
      'neutron-metadata-agent',
    ])
    expect(neutron.units({ model, host })).toEqual([
      'neutron-server.service',
      'neutron-linuxbridge-agent.service',
      'neutron-dhcp-agent.service',
      'neutron-l3-agent.service',
      'neutron-metadata-agent.service',
    ])
    // AND Debian's uwsgi API and RPC server, if an earlier deploy left them, are stopped first
    expect(neutron.unitsOff!({ model, host })).toEqual(['neutron-api.service', 'neutron-rpc-server.service'])
    expect(paths(renderRole('aio', neutron), 'aio1')).toContain('/etc/systemd/system/neutron-server.service')
    expect(paths(renderRole('aio', neutron), 'aio1')).not.toContain(OVN_META)
  })

  it('gives the Linux bridge agent its own tunnel address and the provider NIC where there is one', () => {
    // GIVEN aio (provider NIC eth1 from networks.provider) and vsphere (no provider network)
    const aio = ini(renderRole('aio', neutron), 'aio1', LB)
    const vova = ini(renderRole('vsphere', neutron), 'vova', LB)
    // THEN aio maps physnet1 to eth1, vsphere maps nothing; both tunnel from their own address
    expect(iniGet(aio, 'linux_bridge', 'physical_interface_mappings')).toBe('physnet1:eth1')
    expect(iniGet(aio, 'vxlan', 'local_ip')).toBe('10.0.0.11')
    expect(iniGet(aio, 'vxlan', 'enable_vxlan')).toBe('true')
    expect(iniGet(aio, 'vxlan', 'l2_population')).toBe('true')
    expect(iniGet(aio, 'securitygroup', 'firewall_driver')).toBe('iptables')
    expect(iniGet(aio, 'securitygroup', 'enable_security_group')).toBe('true')
    expect(iniGet(vova, 'linux_bridge', 'physical_interface_mappings')).toBeUndefined()
    expect(iniGet(vova, 'vxlan', 'local_ip')).toBe('192.168.50.10')
  })

  it('points DHCP, L3 and metadata agents at Linux bridge, Nova metadata and memcached', () => {
    // GIVEN the aio fixture WHEN neutron is rendered
    const model = fixtureModel('aio')
    const files = renderRole('aio', neutron)
    const dhcp = ini(files, 'aio1', '/etc/neutron/dhcp_agent.ini')
    const l3 = ini(files, 'aio1', '/etc/neutron/l3_agent.ini')
    const meta = ini(files, 'aio1', '/etc/neutron/metadata_agent.ini')
    // THEN
    expect(iniGet(dhcp, 'DEFAULT', 'interface_driver')).toBe('linuxbridge')
    expect(iniGet(dhcp, 'DEFAULT', 'dhcp_driver')).toBe('neutron.agent.linux.dhcp.Dnsmasq')
    expect(iniGet(dhcp, 'DEFAULT', 'enable_isolated_metadata')).toBe('true')
    expect(iniGet(l3, 'DEFAULT', 'interface_driver')).toBe('linuxbridge')
    expect(iniGet(meta, 'DEFAULT', 'nova_metadata_host')).toBe(model.internalAddress)
    expect(iniGet(meta, 'DEFAULT', 'nova_metadata_protocol')).toBe('http')
    expect(iniGet(meta, 'DEFAULT', 'metadata_proxy_shared_secret')).toBe(model.secrets.metadata_proxy_secret)
    // all-in-one: the metadata proxy runs in the agent's own process (no forked worker)
    expect(iniGet(meta, 'DEFAULT', 'metadata_workers')).toBe('0')
    expect(iniGet(meta, 'cache', 'memcache_servers')).toBe(model.memcachedServers.join(','))
    expect(iniGet(meta, 'cache', 'enabled')).toBe('true')
    expect(fileAt(files, 'aio1', '/etc/neutron/metadata_agent.ini')).toMatchObject({
      group: 'neutron',
      mode: 0o640,
      notify: ['neutron-metadata-agent.service'],
    })
  })

  it('turns on br_netfilter and its sysctls for the iptables firewall', () => {
    // GIVEN the aio fixture WHEN neutron is rendered
    const files = renderRole('aio', neutron)
    // THEN the module is loaded at boot and bridged traffic goes through iptables
    expect(fileAt(files, 'aio1', '/etc/modules-load.d/neutron-linuxbridge.conf').content).toMatch(/^br_netfilter$/m)
    const sysctl = fileAt(files, 'aio1', '/etc/sysctl.d/60-neutron-linuxbridge.conf')
    expect(sysctl.content).toMatch(/^net\.bridge\.bridge-nf-call-iptables = 1$/m)
    expect(sysctl.content).toMatch(/^net\.bridge\.bridge-nf-call-ip6tables = 1$/m)
    expect(sysctl.notify).toEqual(['systemd-sysctl.service'])
  })
})

describe('neutron role: OVN', () => {
  it('runs the eventlet neutron-server on ctl1, ordered after ovn-central', () => {
    // GIVEN the 3-node fixture (OVN) WHEN neutron is rendered for ctl1
    const files = renderRole('3-node', neutron)
    const c = hostContext('3-node', 'ctl1')
    const unit = fileAt(files, 'ctl1', '/etc/systemd/system/neutron-server.service')
    // THEN neutron-common's /usr/bin/neutron-server runs from our unit with neutron.conf and ml2_conf.ini
    expect(neutron.packages(c)).toEqual(['neutron-common'])
    expect(neutron.units(c)).toEqual(['neutron-server.service'])
    expect(unit.content).toMatch(
      /^ExecStart=\/usr\/bin\/neutron-server --config-file=\/etc\/neutron\/neutron.conf --config-file=\/etc\/neutron\/plugins\/ml2\/ml2_conf.ini /m,
    )
    expect(unit.content).toMatch(/^User=neutron$/m)
    expect(unit.content).toMatch(/^After=.* ovn-central\.service$/m)
    expect(fileAt(renderRole('aio', neutron), 'aio1', '/etc/systemd/system/neutron-server.service').content).not.toContain('ovn-central')
    expect(unit).toMatchObject({ owner: 'root', group: 'root', mode: 0o644, notify: ['neutron-server.service'] })
    // (and, TLS being on, the certificate and key it serves, and what a restore's resync of OVN reads)
    expect(paths(files, 'ctl1').sort()).toEqual(
      [NEUTRON_CONF, ML2, '/etc/systemd/system/neutron-server.service', tlsFiles.cert, tlsFiles.key, ovnSyncConfPath].sort(),
    )
    // The resync's own settings: the qos extension driver Zed's tool needs, and it restarts nothing
    const sync = fileAt(files, 'ctl1', ovnSyncConfPath)
    expect(sync.content).toMatch(/^extension_drivers = port_security,qos$/m)
    expect(sync.notify).toEqual([])
    expect(paths(renderRole('aio', neutron), 'aio1')).not.toContain(ovnSyncConfPath)
  })

  it('serves the API over TLS when TLS is on', () => {
    // GIVEN 3-node (TLS on) and aio (TLS off) WHEN neutron is rendered
    const three = ini(renderRole('3-node', neutron), 'ctl1', NEUTRON_CONF)
    const aio = ini(renderRole('aio', neutron), 'aio1', NEUTRON_CONF)
    // THEN only the TLS cloud's server gets the certificate the engine installs
    expect(iniGet(three, 'DEFAULT', 'use_ssl')).toBe('true')
    expect(iniGet(three, 'ssl', 'cert_file')).toBe(tlsFiles.cert)
    expect(iniGet(three, 'ssl', 'key_file')).toBe(tlsFiles.key)
    expect(iniGet(aio, 'DEFAULT', 'use_ssl')).toBeUndefined()
    expect(iniGet(aio, 'ssl', 'cert_file')).toBeUndefined()
  })

  it('runs the OVN metadata agent on compute hosts and no Linux bridge, DHCP or L3 agent anywhere', () => {
    // GIVEN the 3-node fixture (OVN) WHEN neutron is rendered
    const files = renderRole('3-node', neutron)
    const c = hostContext('3-node', 'cmp1')
    // THEN
    expect(files.map((f) => f.path)).not.toContain(LB)
    expect(files.map((f) => f.path)).not.toContain('/etc/neutron/dhcp_agent.ini')
    expect(paths(files, 'ctl1')).not.toContain(OVN_META)
    expect(neutron.units(c)).toEqual(['neutron-ovn-metadata-agent.service'])
    expect(neutron.packages(c)).toEqual(['neutron-ovn-metadata-agent', 'haproxy'])
    expect(paths(files, 'cmp1').sort()).toEqual([NEUTRON_CONF, OVN_META])
  })

  it('gives compute hosts the southbound database and no database or RabbitMQ secrets', () => {
    // GIVEN the 3-node fixture WHEN neutron is rendered
    const model = fixtureModel('3-node')
    const files = renderRole('3-node', neutron)
    for (const host of ['cmp1', 'cmp2']) {
      const meta = ini(files, host, OVN_META)
      const conf = ini(files, host, NEUTRON_CONF)
      // THEN the agent reaches OVN SB and nova-api-metadata (https: TLS is on)
      expect(iniGet(meta, 'ovn', 'ovn_sb_connection')).toBe('tcp:10.1.0.11:6642')
      expect(iniGet(meta, 'ovs', 'ovsdb_connection')).toBe('unix:/var/run/openvswitch/db.sock')
      expect(iniGet(meta, 'DEFAULT', 'nova_metadata_host')).toBe(model.internalAddress)
      expect(iniGet(meta, 'DEFAULT', 'nova_metadata_protocol')).toBe('https')
      expect(iniGet(meta, 'DEFAULT', 'metadata_proxy_shared_secret')).toBe(model.secrets.metadata_proxy_secret)
      expect(iniGet(meta, 'DEFAULT', 'metadata_workers')).toBe('2')
      expect(fileAt(files, host, OVN_META)).toMatchObject({ owner: 'root', group: 'neutron', mode: 0o640 })
      // AND neutron.conf there holds no credentials the agent does not use
      expect(iniGet(conf, 'database', 'connection')).toBeUndefined()
      expect(iniGet(conf, 'DEFAULT', 'transport_url')).toBeUndefined()
      expect(iniGet(conf, 'keystone_authtoken', 'password')).toBeUndefined()
    }
  })
})

describe('neutron role: golden files', () => {
  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, neutron))
  })
})

describe('neutron role: deploy hooks', () => {
  const stepsOf = (fixture: 'aio' | '3-node', name: string) => neutron.bootstrap!(hostContext(fixture, name))

  it('migrates the schema on the first control host, after the Linux bridge kernel settings', () => {
    // GIVEN the aio host (Linux bridge; control, network and compute at once)
    const steps = stepsOf('aio', 'aio1')
    // THEN br_netfilter is there, its sysctls are on and ebtables is ours before the agent starts, then the schema is migrated
    expect(steps.map((s) => s.id)).toEqual([
      'neutron.br-netfilter',
      'neutron.sysctl',
      'neutron.ebtables',
      'neutron.daemon-reload',
      'neutron.db-sync',
      'neutron.wait',
    ])
    // (and, once the server runs, it waits until it answers)
    expect(steps.filter((s) => (s.when ?? 'before-start') === 'after-start').map((s) => s.id)).toEqual(['neutron.wait'])
    const sync = steps.find((s) => s.id === 'neutron.db-sync')!
    expect(
      sync.run!.startsWith(
        `su -s /bin/sh -c 'neutron-db-manage --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini upgrade head' -- neutron && `,
      ),
    ).toBe(true)
    // AND the guard compares the heads alembic knows with those the database is at
    expect(sync.unless).toContain(' heads')
    expect(sync.unless).toContain(' current')
    expect(sync.unless).toContain(`grep -c '(head)'`)
    expect(steps.find((s) => s.id === 'neutron.sysctl')!.run).toBe('sysctl -p /etc/sysctl.d/60-neutron-linuxbridge.conf')
    // AND the ebtables wrapper is the ebtables alternative, kept with ebtables-nft's save and restore
    const ebtables = steps.find((s) => s.id === 'neutron.ebtables')!
    expect(ebtables.run).toContain(
      'update-alternatives --quiet --install /usr/sbin/ebtables ebtables /usr/local/libexec/stackhouse/ebtables 30',
    )
    expect(ebtables.run).toContain('--slave /usr/sbin/ebtables-restore ebtables-restore /usr/sbin/ebtables-nft-restore')
    expect(ebtables.unless).toBe('[ "$(readlink -f /usr/sbin/ebtables)" = /usr/local/libexec/stackhouse/ebtables ]')
    expectSafeSteps(fixtureModel('aio'), steps)
  })

  it('reloads systemd for neutron-server on an OVN control host; compute hosts need nothing', () => {
    // GIVEN the 3-node fixture (OVN) WHEN the steps of ctl1 and cmp1 are listed
    const ctl1 = stepsOf('3-node', 'ctl1')
    // THEN ctl1 reloads units when neutron-server.service changed, then migrates the schema
    expect(ctl1.map((s) => s.id)).toEqual(['neutron.daemon-reload', 'neutron.db-sync', 'neutron.wait'])
    expect(ctl1[0]!.unless).toContain('NeedDaemonReload')
    expect(ctl1[0]!.run).toBe('systemctl daemon-reload')
    expect(stepsOf('3-node', 'cmp1')).toEqual([])
    expectSafeSteps(fixtureModel('3-node'), ctl1)
  })

  it('runs the schema migration on the first control host even when a compute host is listed first', () => {
    // GIVEN the 3-node model with cmp1 before ctl1 in the inventory (so the role's first host is cmp1)
    const reordered = fixtureModel('3-node', (m) => ({ hosts: [m.hosts[1]!, m.hosts[0]!, m.hosts[2]!] }))
    const ids = (name: string) => neutron.bootstrap!(hostContext(reordered, name)).map((s) => s.id)
    // THEN ctl1 migrates, cmp1 does not
    expect(ids('ctl1')).toContain('neutron.db-sync')
    expect(ids('cmp1')).not.toContain('neutron.db-sync')
  })

  it('pre-seeds debconf so no maintainer script touches the database, RabbitMQ or Keystone', () => {
    // GIVEN the aio host (server + agents) and an OVN compute host
    const aio = neutron.debconf!(hostContext('aio', 'aio1'))
    const cmp1 = neutron.debconf!(hostContext('3-node', 'cmp1'))
    // THEN every configure_* question is answered false for the packages the host installs
    for (const q of ['configure_db', 'configure_rabbit', 'configure_ksat', 'configure_nova']) {
      expect(aio).toContain(`neutron-common neutron/${q} boolean false`)
      expect(cmp1).toContain(`neutron-common neutron/${q} boolean false`)
    }
    expect(aio).toContain('neutron-metadata-agent neutron-metadata/configure boolean false')
    expect(cmp1.some((l) => l.startsWith('neutron-metadata-agent '))).toBe(false)
    expect([...aio, ...cmp1].every((l) => / boolean false$/.test(l))).toBe(true)
  })

  it.each(['aio', '3-node'] as const)('%s: registers the network service, its endpoints and the neutron user', (fixture) => {
    // GIVEN the fixture model WHEN neutron's Keystone entities are listed
    const model = fixtureModel(fixture)
    const e = model.endpoints.neutron
    // THEN one entry: the user with admin and service roles, the service, its three endpoints
    expect(neutron.register!(model)).toEqual([
      {
        user: { name: 'neutron', password: model.secrets.neutron_keystone_password, project: 'service', roles: ['admin', 'service'] },
        service: { name: 'neutron', type: 'network', description: 'OpenStack Networking' },
        endpoints: { region: model.region, public: e.public, internal: e.internal, admin: e.admin },
      },
    ])
    expect(neutron.databases!(model)).toEqual([{ database: 'neutron', service: 'neutron' }])
  })
})
