// SPDX-License-Identifier: Apache-2.0
// Every value the neutron templates print, computed from the model.
import {
  clientCaFile,
  serverTlsPaths,
  apiWorkers,
  authtoken,
  databaseUrl,
  eventletWorkers,
  keystoneAuth,
  singleHost,
  transportUrl,
  type Model,
  type ModelHost,
} from '../../installer/role/index.ts'
import { ovnNbConnection, ovnSbConnection } from '../ovn/central.ts'
import { physnet, providerInterface } from './network.ts'
import type { NeutronPart } from './parts.ts'

/**
 * Where the deploy engine installs the API's TLS certificate and key when TLS is on
 * (key root:neutron 0640); neutron-server reads them from [ssl].
 */
export const tlsFiles = serverTlsPaths('neutron')

/** Values of neutron.conf: the server's full set on control hosts, the agents' subset elsewhere. */
export function neutronConfVars(model: Model, running: NeutronPart[]): Record<string, unknown> {
  const isServer = running.includes('server')
  const ovn = model.backends.network === 'ovn'
  return {
    isServer,
    // NOTE: Linux bridge agents talk to the server over RPC; the OVN metadata agent
    // does not, so compute hosts with OVN get no RabbitMQ credentials.
    usesRpc: isServer || running.includes('linuxbridgeAgent'),
    transportUrl: transportUrl(model),
    // NOTE: ovn-router replaces router: both are L3_ROUTER_NAT plugins, and loading
    // the two makes the L3-agent scheduler fight OVN's gateway scheduling.
    servicePlugins: ovn ? 'ovn-router' : 'router',
    // NOTE: neutron 21 (Zed) makes the linuxbridge mechanism driver exit at start
    // unless [experimental] linuxbridge = true (neutron/common/experimental.py).
    experimentalLinuxbridge: !ovn,
    ssl: isServer && model.tls.enabled ? tlsFiles : false,
    // NOTE: 0 serves the API from neutron-server's main process. ML2/OVN initialises
    // its OVSDB connections in forked API workers (post_fork_initialize), so it keeps one.
    apiWorkers: ovn ? apiWorkers(model) : eventletWorkers(model),
    rpcWorkers: apiWorkers(model),
    // NOTE: 0 lets the RPC workers also consume the agents' state reports (ML2's
    // start_rpc_listeners listens on the reports topic too), which on one host saves
    // a whole forked process; a cluster keeps one so reports never queue behind RPC.
    stateReportWorkers: singleHost(model) ? 0 : 1,
    databaseUrl: databaseUrl(model, 'neutron'),
    authtoken: authtoken(model, 'neutron'),
    nova: keystoneAuth(model, 'nova'),
  }
}

/** Values of ml2_conf.ini, read by the server and the Linux bridge agent. */
export function ml2Vars(model: Model): Record<string, unknown> {
  const ovn = model.backends.network === 'ovn'
  return {
    isOvn: ovn,
    typeDrivers: ovn ? 'flat,vlan,geneve' : 'flat,vlan,vxlan',
    tenantNetworkTypes: ovn ? 'geneve' : 'vxlan',
    mechanismDrivers: ovn ? 'ovn' : 'linuxbridge,l2population',
    physnet: physnet(model),
    ovnNbConnection: ovn ? ovnNbConnection(model) : '',
    ovnSbConnection: ovn ? ovnSbConnection(model) : '',
  }
}

/** Values of linuxbridge_agent.ini for one host. */
export function linuxbridgeVars(model: Model, host: ModelHost): Record<string, unknown> {
  const nic = providerInterface(model, host)
  return {
    // NOTE: only where the host has a NIC on the provider network; a mapping to a
    // missing interface makes the agent exit at start.
    physicalInterfaceMappings: nic ? `${physnet(model)}:${nic}` : '',
    localIp: host.tunnelAddress,
  }
}

/** Values shared by metadata_agent.ini and neutron_ovn_metadata_agent.ini. */
export function metadataVars(model: Model, ovn: boolean): Record<string, unknown> {
  return {
    // nova-api-metadata (uwsgi, port 8775) runs on the control hosts, behind the
    // internal address; with TLS on, Debian's uwsgi init serves it over https too.
    novaMetadataHost: model.internalAddress,
    novaMetadataProtocol: model.tls.enabled ? 'https' : 'http',
    caFile: clientCaFile(model) ?? '',
    sharedSecret: model.secrets.metadata_proxy_secret,
    // NOTE: upstream defaults to half the CPUs (2 with OVN); one per API worker
    // keeps the all-in-one host small.
    metadataWorkers: ovn ? Math.min(2, apiWorkers(model)) : eventletWorkers(model),
    memcachedServers: model.memcachedServers.join(','),
    ovnSbConnection: ovn ? ovnSbConnection(model) : '',
  }
}
