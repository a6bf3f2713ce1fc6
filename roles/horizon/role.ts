// SPDX-License-Identifier: Apache-2.0
// horizon: the OpenStack dashboard (Debian's openstack-dashboard) under Apache
// mod_wsgi on control hosts, served at the path of model.dashboardUrl.
import {
  apacheSite,
  apiWorkers,
  defineRole,
  clientCaFile,
  hostsIn,
  serverTlsFiles,
  serverTlsPaths,
  Serialized,
  raw,
  sh,
  type BootstrapStep,
  type Model,
  type ModelHost,
  type RoleFile,
} from '../../installer/role/index.ts'
import { pyRepr, pyStr, type PyValue } from './_python.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    horizon_secret_key: string
  }
}

const settingsDir = '/etc/openstack-dashboard'
const site = 'openstack-dashboard-alias-only'
/** With TLS on: the https site on 443, which also sends plain-http requests for the dashboard there. */
const tlsSite = 'stackhouse-dashboard-tls'

/** The https site and its certificate and key (read by Apache as root; none when TLS is off). */
function tlsSiteFiles(model: Model): RoleFile[] {
  if (!model.tls.enabled) return []
  const pem = serverTlsPaths('openstack-dashboard')
  return [
    ...serverTlsFiles(model, 'openstack-dashboard', 'root'),
    {
      path: `/etc/apache2/sites-available/${tlsSite}.conf`,
      format: 'text',
      vars: { cert: pem.cert, key: pem.key, urlPath: dashboardPath(model), publicAddress: model.publicAddress },
    },
  ]
}

/** Horizon's URL path: Debian's alias-only site serves it at /horizon. */
export function dashboardPath(model: Model): string {
  return new URL(model.dashboardUrl).pathname.replace(/\/+$/, '') || '/'
}

/**
 * debconf answers. activate_vhost false: openstack-dashboard-apache's postinst then
 * enables the alias-only site (Horizon at /horizon beside Apache's default site)
 * instead of taking over the whole server. allowed-hosts: openstack-dashboard's
 * postinst rewrites ALLOWED_HOSTS from it on every configure, and its config script
 * reads it back from local_settings.py; the same names keep the line unchanged.
 */
export function debconfSelections(model: Model, host: ModelHost): string[] {
  return [
    'openstack-dashboard-apache horizon/activate_vhost boolean false',
    'openstack-dashboard-apache horizon/use_ssl boolean false',
    `openstack-dashboard horizon/allowed-hosts string ${allowedHostNames(model, host).join(',')}`,
  ]
}

/** Where compress writes (COMPRESS_ROOT/COMPRESS_OUTPUT_DIR): the offline manifest and the CSS it names. */
const compressed = '/var/lib/openstack-dashboard/static/dashboard'

/** Horizon's STATIC_URL: its settings.py appends 'static/' to WEBROOT (the dashboard's path), with a slash between. */
export function staticUrl(model: Model): string {
  const path = dashboardPath(model)
  return `${path === '/' ? '' : path}/static/`
}

const manage = '/usr/share/openstack-dashboard/manage.py'

/**
 * openstack-dashboard's postinst builds the static files only when manage.py is
 * executable, and builds them twice at install (openstack-dashboard-apache triggers a
 * second build): half a minute of one core inside the apt transaction, while no unit
 * on the host may start. A stat override keeps manage.py 0644 while the packages
 * install; step horizon.static then builds once, beside the other roles.
 */
const holdStaticBuild = sh`dpkg-statoverride --list ${manage} >/dev/null || dpkg-statoverride --add root root 0644 ${manage}`
/** The override gone and manage.py executable again, so upgrades build as Debian does. */
const releaseStaticBuild = sh`if dpkg-statoverride --list ${manage} >/dev/null; then dpkg-statoverride --remove ${manage}; chmod 0755 ${manage}; fi`

/** Debian's default-ssl site is off, and what turns it off (the step below, and afterPackages). */
const defaultSslOff = { unless: '[ ! -e /etc/apache2/sites-enabled/default-ssl.conf ]', run: 'a2dissite -q default-ssl' }

function bootstrap(model: Model): BootstrapStep[] {
  return [
    {
      // NOTE: openstack-dashboard-apache's postinst enables Debian's default-ssl site even
      // with use_ssl false: once mod_ssl is on, apache2 refuses to start without its
      // snake-oil certificate. Done at install too (afterPackages); this repairs a host.
      id: 'horizon.default-ssl-off',
      title: "a2dissite default-ssl (Debian's snake-oil site; with TLS, the dashboard's own serves 443)",
      ...defaultSslOff,
    },
    ...(model.tls.enabled
      ? [
          apacheSite('horizon.tls-site', `a2enmod ssl rewrite && a2ensite ${tlsSite} (the dashboard over https)`, tlsSite, [
            'ssl',
            'rewrite',
          ]),
        ]
      : []),
    // NOTE: the postinst enables it when activate_vhost is false; this repairs a host where it was not.
    apacheSite('horizon.site', `a2ensite ${site} (the dashboard at /horizon)`, site, ['wsgi']),
    {
      id: 'horizon.static',
      title: 'rebuild static files (collectstatic, compress)',
      // NOTE: COMPRESS_OFFLINE = True (Debian's _0002 snippet): pages need the offline
      // manifest, and the CSS it names holds STATIC_URL (Horizon's SCSS filter hands it to
      // the themes: url("/horizon/static/horizon/lib/roboto_fontface/…")); the manifest
      // itself holds a placeholder. The packages build both, from the settings then on
      // disk: at install (twice: openstack-dashboard-apache's postinst moves WEBROOT to
      // /horizon and triggers a rebuild) and on upgrades. Our settings change no input of
      // the build but WEBROOT (a test holds the templates to that), so the CSS says
      // whether the build is current: a first deploy no longer builds it a third time.
      unless: sh`! dpkg-statoverride --list ${manage} >/dev/null && [ -s ${`${compressed}/manifest.json`} ] && grep -qsF -- ${`url("${staticUrl(model)}`} ${raw(`${compressed}/css/*.css`)}`,
      run: [
        // A run killed after the packages went in left the override.
        releaseStaticBuild,
        `${manage} collectstatic --noinput --clear >/dev/null`,
        // NOTE: pyScss fails now and then ("Function not found: twbs-font-path"), and passes on
        // the next try (seen in 2 of some 40 deploys): up to three tries, saying so.
        `(n=1; until ${manage} compress --force >/dev/null; do [ "$n" -lt 3 ] || exit 1; n=$((n + 1)); echo "compress failed (pyScss now and then): try $n of 3" >&2; done)`,
        'chown -R www-data /var/lib/openstack-dashboard/static',
        // mod_wsgi daemons read the manifest once; a graceful reload starts new ones.
        'systemctl try-reload-or-restart apache2.service',
      ].join(' && '),
    },
  ]
}

export default defineRole({
  name: 'horizon',
  description: 'Horizon web dashboard (Apache mod_wsgi)',
  needs: ['keystone', 'memcached'],
  secrets: {
    horizon_secret_key: 'password',
  },
  leftovers: ['/var/lib/openstack-dashboard', '/etc/openstack-dashboard'],
  // A deploy killed during the packages leaves the override, which would outlive the package.
  undo: [sh`dpkg-statoverride --remove ${manage}`],
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
    ...tlsSiteFiles(model),
  ],
  units: () => ['apache2.service'],
  debconf: ({ model, host }) => debconfSelections(model, host),
  // Before the transaction ends: glance's https front may start Apache, with mod_ssl on,
  // before the dashboard configures (its step horizon.default-ssl-off, below). Without
  // TLS nothing turns mod_ssl on, and the site (inside <IfModule mod_ssl.c>) is inert.
  afterPackages: ({ model }) => [releaseStaticBuild, ...(model.tls.enabled ? [`${defaultSslOff.unless} || ${defaultSslOff.run}`] : [])],
  beforePackages: () => [holdStaticBuild],
  bootstrap: ({ model }) => bootstrap(model),
})

/** A settings snippet Debian's postinst copies into local_settings.d/ once; exec'd after local_settings.py. */
function snippet(name: string, vars: Record<string, unknown>): RoleFile {
  return { path: `${settingsDir}/local_settings.d/${name}`, format: 'text', vars }
}

/** Every value of local_settings.py, already a Python literal. */
function localSettings(model: Model, host: ModelHost): Record<string, Serialized | string> {
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
    ...(model.tls.enabled ? { sslCacert: clientCaFile(model)! } : {}),
  }
  const vars = Object.fromEntries(Object.entries(literals).map(([k, v]) => [k, new Serialized(pyRepr(v))]))
  return { ...vars, allowedHosts: allowedHosts(model, host) }
}

/**
 * `[ 'a', 'b', ]`: the exact form openstack-dashboard's postinst writes from
 * debconf horizon/allowed-hosts (which its config script reads back from this
 * file), so a package upgrade leaves the line unchanged.
 */
function allowedHosts(model: Model, host: ModelHost): string {
  return `[ ${allowedHostNames(model, host)
    .map((n) => `${pyStr(n)},`)
    .join(' ')} ]`
}

/** Names the dashboard answers to: public, internal and the host's own address, each once. */
function allowedHostNames(model: Model, host: ModelHost): string[] {
  return [...new Set([model.publicAddress, model.internalAddress, host.address])]
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
