// SPDX-License-Identifier: Apache-2.0
// Glance: the image service. NOTE: Debian 12 runs glance-api as its own eventlet
// server (/etc/init.d/glance-api disables uwsgi: "Glance appears broken with uwsgi"),
// so the listener and worker count are glance-api.conf options.
import {
  apacheSite,
  apiScheme,
  serverTlsPaths,
  serverTlsFiles,
  alembicMigration,
  asUser,
  authtoken,
  catalogRegistration,
  databaseUrl,
  defineRole,
  eventletWorkers,
  fastMigration,
  hostsIn,
  waitForHttp,
  type BootstrapStep,
  type Model,
  type ModelHost,
  type Endpoint,
  type RoleFile,
} from '../../installer/role/index.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    glance_database_password: string
    glance_keystone_password: string
  }
  interface EndpointRegistry {
    glance: Endpoint
  }
}

/**
 * debconf answers (debconf-set-selections lines) that keep glance-common's and
 * glance-api's maintainer scripts from touching the database, RabbitMQ,
 * [keystone_authtoken] or the Keystone catalog. All default to false already.
 */
export const debconfSelections: readonly string[] = [
  'glance-common glance/configure_db boolean false',
  'glance-common glance/configure_rabbit boolean false',
  'glance-common glance/configure_ksat boolean false',
  'glance-common glance-common/dbconfig-install boolean false',
  'glance-api glance/configure_api-endpoint boolean false',
]

/** Where the `file` store keeps images (created glance:glance by glance-common's postinst). */
export const imagesDir = '/var/lib/glance/images/'

/**
 * Schema migration, then a wait for the API. NOTE: `glance-manage db check` exits 0
 * only when the contract branch is at its head, 3/4/5 when expand, migrate or
 * contract is pending, 1 when the database is unreachable (glance/cmd/manage.py).
 */
function bootstrap(model: Model, host: ModelHost): BootstrapStep[] {
  return [
    fastMigration(
      {
        id: 'glance.db-sync',
        title: 'glance-manage db_sync',
        on: 'first-control-host',
        unless: asUser('glance', 'glance-manage db check >/dev/null'),
        run: asUser('glance', 'glance-manage db_sync'),
      },
      alembicMigration(model, 'glance'),
    ),
    // After glance-api has moved to the loopback listener: Apache then takes the address's port.
    ...(model.tls.enabled
      ? [
          apacheSite(
            'glance.tls-proxy',
            `a2enmod ssl proxy_http && a2ensite ${tlsProxySite} (https in front of glance-api)`,
            tlsProxySite,
            ['ssl', 'proxy', 'proxy_http'],
            {
              when: 'after-start',
              start: true,
            },
          ),
        ]
      : []),
    waitForHttp('glance.wait', `${apiScheme(model)}://${host.address}:${model.endpoints.glance.port}/`),
  ]
}

/** With TLS on: Apache's site that serves https on glance's address and port, in front of glance-api on the loopback. */
const tlsProxySite = 'stackhouse-glance-tls'

function tlsProxyFiles(model: Model, host: ModelHost): RoleFile[] {
  if (!model.tls.enabled) return []
  const pem = serverTlsPaths('glance')
  return [
    ...serverTlsFiles(model, 'glance', 'root', ['apache2.service']),
    {
      path: `/etc/apache2/sites-available/${tlsProxySite}.conf`,
      format: 'text' as const,
      vars: { address: host.address, port: model.endpoints.glance.port, cert: pem.cert, key: pem.key },
      notify: ['apache2.service'],
    },
  ]
}

export default defineRole({
  name: 'glance',
  description: 'Glance image service (eventlet, port 9292), images on the local file system',
  needs: ['mariadb', 'keystone'],
  secrets: {
    glance_database_password: 'password',
    glance_keystone_password: 'password',
  },
  api: { type: 'image', port: 9292, path: '', process: 'glance-api', log: '/var/log/glance/glance-api.log' },
  leftovers: ['/var/lib/glance', '/etc/glance', '/var/log/glance'],
  // The file store's images: their records are in the database, their data only here.
  backup: () => ({ paths: [imagesDir.replace(/\/$/, '')] }),
  enabled: () => true,
  hosts: (model) => hostsIn(model, 'control'),
  users: ['glance'],
  packages: ({ model }) => ['glance-api', ...(model.tls.enabled ? ['apache2'] : [])],
  files: ({ model, host }) => [
    {
      path: '/etc/glance/glance-api.conf',
      group: 'glance',
      mode: 0o640,
      vars: {
        port: model.endpoints.glance.port,
        workers: eventletWorkers(model),
        databaseUrl: databaseUrl(model, 'glance'),
        authtoken: authtoken(model, 'glance'),
        imagesDir,
        tls: model.tls.enabled,
      },
    },
    ...tlsProxyFiles(model, host),
  ],
  units: ({ model }) => ['glance-api.service', ...(model.tls.enabled ? ['apache2.service'] : [])],
  debconf: () => [...debconfSelections],
  databases: () => [{ database: 'glance', service: 'glance' }],
  bootstrap: ({ model, host }) => bootstrap(model, host),
  register: (model) => [catalogRegistration(model, 'glance', { name: 'glance', description: 'OpenStack Image' })],
})
