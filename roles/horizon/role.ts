// SPDX-License-Identifier: Apache-2.0
// horizon: the OpenStack dashboard (Debian's openstack-dashboard) under Apache
// mod_wsgi on control hosts, served at the path of model.dashboardUrl.
import type { Model, ModelHost } from '../../installer/model/types.ts'
import { apiWorkers, defineRole, hostsIn, type RoleFile } from '../../installer/render/role.ts'
import { pyRepr, pyStr, type PyValue } from './_python.ts'

const settingsDir = '/etc/openstack-dashboard'

/** Horizon's URL path: Debian's alias-only site serves it at /horizon. */
export function dashboardPath(model: Model): string {
  return new URL(model.dashboardUrl).pathname.replace(/\/+$/, '') || '/'
}

export default defineRole({
  name: 'horizon',
  description: 'Horizon web dashboard (Apache mod_wsgi)',
  enabled: (model) => model.services.horizon,
  hosts: (model) => hostsIn(model, 'control'),
  // NOTE: Django 3.2's PyMemcacheCache needs pymemcache; Debian's horizon only
  // pulls python3-memcache, for the MemcachedCache backend Django deprecates.
  packages: () => ['openstack-dashboard', 'openstack-dashboard-apache', 'python3-pymemcache'],
  files: ({ model, host }) => [
    {
      path: `${settingsDir}/local_settings.py`,
      // Read by the mod_wsgi daemon, which runs as www-data; holds SECRET_KEY.
      group: 'www-data',
      mode: 0o640,
      format: 'text',
      vars: localSettings(model, host),
    },
    snippet('_0005_debian_webroot.py', { webroot: pyStr(dashboardPath(model)) }),
    snippet('_0006_debian_cache.py', {}),
    {
      path: '/etc/apache2/sites-available/openstack-dashboard-alias-only.conf',
      format: 'text',
      vars: { urlPath: dashboardPath(model), processes: apiWorkers(model), threads: 10 },
    },
  ],
  units: () => ['apache2.service'],
})

/** A settings snippet Debian's postinst copies into local_settings.d/ once; exec'd after local_settings.py. */
function snippet(name: string, vars: Record<string, unknown>): RoleFile {
  return { path: `${settingsDir}/local_settings.d/${name}`, format: 'text', vars }
}

/** Every value of local_settings.py, already a Python literal. */
function localSettings(model: Model, host: ModelHost): Record<string, string> {
  const literals: Record<string, PyValue> = {
    webroot: dashboardPath(model),
    secretKey: model.secrets.horizon_secret_key,
    openstackHost: model.publicAddress,
    keystoneUrl: model.endpoints.keystone.public,
    apiVersions: { identity: 3 },
    defaultDomain: 'Default',
    defaultRole: 'member',
    neutronNetwork: neutronNetwork(model),
    sessionEngine: 'django.contrib.sessions.backends.cache',
    caches: {
      default: { BACKEND: 'django.core.cache.backends.memcached.PyMemcacheCache', LOCATION: model.memcachedServers },
    },
    secureCookies: model.tls.enabled,
    timeZone: 'UTC',
  }
  const vars = Object.fromEntries(Object.entries(literals).map(([k, v]) => [k, pyRepr(v)]))
  return { ...vars, allowedHosts: allowedHosts(model, host) }
}

/**
 * `[ 'a', 'b', ]`: the exact form openstack-dashboard's postinst writes from
 * debconf horizon/allowed-hosts (which its config script reads back from this
 * file), so a package upgrade leaves the line unchanged.
 */
function allowedHosts(model: Model, host: ModelHost): string {
  const names = [...new Set([model.publicAddress, model.internalAddress, host.address])]
  return `[ ${names.map((n) => `${pyStr(n)},`).join(' ')} ]`
}

/** Self-service networks with routers, as both the Linux bridge and OVN backends provide. */
function neutronNetwork(model: Model): PyValue {
  const provider = model.networks.provider
  return {
    enable_router: true,
    enable_quotas: true,
    enable_ipv6: true,
    enable_fip_topology_check: true,
    // NOTE: hide the DVR and L3-HA router options; neither backend here is set up for them.
    enable_distributed_router: false,
    enable_ha_router: false,
    physical_networks: provider ? [provider.physnet] : [],
    default_dns_nameservers: provider ? provider.dns : [],
  }
}
