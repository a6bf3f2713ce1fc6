// SPDX-License-Identifier: Apache-2.0
// Placement: the resource inventory nova schedules against. Debian 12 runs it under
// uwsgi (placement-api.service → /etc/init.d/placement-api systemd-start →
// uwsgi_python3 --http-socket :8778 --ini placement-api-uwsgi.ini).
import {
  apiScheme,
  serverTlsFiles,
  alembicMigration,
  apiWorkers,
  asUser,
  atAlembicHead,
  authtoken,
  catalogRegistration,
  databaseUrl,
  defineRole,
  fastMigration,
  hostsIn,
  waitForHttp,
  type BootstrapStep,
  type Model,
  type ModelHost,
  type Endpoint,
} from '../../installer/role/index.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    placement_database_password: string
    placement_keystone_password: string
  }
  interface EndpointRegistry {
    placement: Endpoint
  }
}

/**
 * debconf answers (debconf-set-selections lines) that keep placement-common's and
 * placement-api's maintainer scripts from touching the database,
 * [keystone_authtoken] or the Keystone catalog. All default to false already.
 */
export const debconfSelections: readonly string[] = [
  'placement-common placement/configure_db boolean false',
  'placement-common placement/configure_ksat boolean false',
  'placement-common placement-common/dbconfig-install boolean false',
  'placement-api placement/configure_api-endpoint boolean false',
]

function bootstrap(model: Model, host: ModelHost): BootstrapStep[] {
  return [
    fastMigration(
      {
        id: 'placement.db-sync',
        title: 'placement-manage db sync',
        on: 'first-control-host',
        // NOTE: `db version` prints None for an empty database.
        unless: atAlembicHead('placement', 'placement-manage db version', 'placement.db.sqlalchemy'),
        run: asUser('placement', 'placement-manage db sync'),
      },
      alembicMigration(model, 'placement'),
    ),
    // uwsgi takes seconds to load the application after systemd reports it started.
    waitForHttp('placement.wait', `${apiScheme(model)}://${host.address}:${model.endpoints.placement.port}/`),
  ]
}

export default defineRole({
  name: 'placement',
  description: 'Placement API (uwsgi, port 8778)',
  needs: ['mariadb', 'keystone'],
  secrets: {
    placement_database_password: 'password',
    placement_keystone_password: 'password',
  },
  api: { type: 'placement', port: 8778, path: '', process: 'placement-api', log: '/var/log/placement/placement-api.log' },
  leftovers: ['/var/lib/placement', '/etc/placement', '/var/log/placement'],
  enabled: () => true,
  hosts: (model) => hostsIn(model, 'control'),
  // NOTE: python3-osc-placement (placement-api Recommends it) is the `openstack resource
  // provider` and `allocation` commands operators debug scheduling with.
  users: ['placement'],
  packages: () => ['placement-api', 'python3-osc-placement'],
  files: ({ model }) => [
    {
      path: '/etc/placement/placement.conf',
      group: 'placement',
      mode: 0o640,
      vars: { databaseUrl: databaseUrl(model, 'placement'), authtoken: authtoken(model, 'placement') },
    },
    {
      // Debian's conffile, changed only in its worker count.
      path: '/etc/placement/placement-api-uwsgi.ini',
      vars: { processes: apiWorkers(model) },
    },
    ...serverTlsFiles(model, 'placement', 'placement'),
  ],
  units: () => ['placement-api.service'],
  debconf: () => [...debconfSelections],
  databases: () => [{ database: 'placement', service: 'placement' }],
  bootstrap: ({ model, host }) => bootstrap(model, host),
  register: (model) => [catalogRegistration(model, 'placement', { name: 'placement', description: 'OpenStack Placement' })],
})
