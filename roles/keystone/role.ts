// SPDX-License-Identifier: Apache-2.0
// Keystone: the identity service. Debian 12 runs it under uwsgi (keystone.service →
// /etc/init.d/keystone systemd-start → uwsgi_python3 --http-socket :5000 --ini keystone-uwsgi.ini).
import {
  alembicMigration,
  apiWorkers,
  asUser,
  databaseUrl,
  defineRole,
  directory,
  fastMigration,
  hostsIn,
  scriptFile,
  scriptPath,
  serverTlsFiles,
  sh,
  waitForHttp,
  type BootstrapStep,
  type Model,
  type ModelHost,
  type RoleFile,
  type Endpoint,
} from '../../installer/role/index.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    admin_password: string
    demo_password: string
    keystone_database_password: string
    keystone_fernet_key_0: string
    keystone_fernet_key_1: string
    keystone_credential_key_0: string
    keystone_credential_key_1: string
  }
  interface EndpointRegistry {
    keystone: Endpoint
  }
}

/** The keystone.bootstrap step's guard: does admin's password log in? */
const adminLoginScript = 'keystone-admin-login.py'

/** Directories keystone-manage fernet_setup/credential_setup would fill (keystone:keystone 0700). */
export const fernetKeyRepository = '/etc/keystone/fernet-keys'
export const credentialKeyRepository = '/etc/keystone/credential-keys'

/**
 * debconf answers (debconf-set-selections lines) that stop the packages' maintainer
 * scripts from creating databases, bootstrapping admins or registering endpoints.
 * Every default is already false; pre-seeding makes that independent of priority and
 * of values a previous install left in the debconf database.
 */
export const debconfSelections: readonly string[] = [
  'keystone keystone/configure_db boolean false',
  'keystone keystone/create-admin-tenant boolean false',
  'keystone keystone/register-endpoint boolean false',
  'keystone keystone/dbconfig-install boolean false',
]

/**
 * The key files of one repository. In keystone's layout key 0 is the staged key and
 * the highest number is the primary (signing) key; `fernet_setup` leaves exactly 0 and 1.
 * NOTE: rendered from secrets so every control host holds the same keys; rotating keys
 * means changing the secrets, or a later deploy puts the old ones back.
 */
function keyFiles(dir: string, keys: [staged: string, primary: string]): RoleFile[] {
  return keys.map((content, i) => ({
    path: `${dir}/${i}`,
    content,
    format: 'text',
    owner: 'keystone',
    group: 'keystone',
    mode: 0o600,
  }))
}

function configFiles(model: Model): RoleFile[] {
  return [
    {
      path: '/etc/keystone/keystone.conf',
      group: 'keystone',
      mode: 0o640,
      vars: {
        databaseUrl: databaseUrl(model, 'keystone'),
        memcacheServers: model.memcachedServers.join(','),
        fernetKeyRepository,
        credentialKeyRepository,
      },
    },
    {
      // Zed's defaults plus the domain manager (the identity lab's students run their own domain).
      path: '/etc/keystone/policy.yaml',
      group: 'keystone',
      mode: 0o640,
    },
    {
      // Debian's conffile, changed only in its worker count.
      path: '/etc/keystone/keystone-uwsgi.ini',
      vars: { processes: apiWorkers(model) },
    },
  ]
}

/** keystone-manage bootstrap: admin user, project and role, the region, the identity endpoints. */
function bootstrap(model: Model, host: ModelHost): BootstrapStep[] {
  const e = model.endpoints.keystone
  // With TLS, by an address the certificate names (it names every control host's).
  const local = model.tls.enabled ? `https://${host.address}:${e.port}/v3` : `http://127.0.0.1:${e.port}/v3`
  // NOTE: the password stays in the environment; the script reads it there, never from argv.
  const adminLogin = sh`${scriptPath(adminLoginScript)} ${`${local}/auth/tokens`}`
  return [
    directory('keystone.fernet-keys', fernetKeyRepository, 'keystone', 0o700),
    directory('keystone.credential-keys', credentialKeyRepository, 'keystone', 0o700),
    fastMigration(
      {
        id: 'keystone.db-sync',
        title: 'keystone-manage db_sync',
        on: 'first-control-host',
        unless: asUser('keystone', 'keystone-manage db_sync --check'),
        run: asUser('keystone', 'keystone-manage db_sync'),
      },
      alembicMigration(model, 'keystone'),
    ),
    waitForHttp('keystone.wait', local),
    {
      id: 'keystone.bootstrap',
      title: 'keystone-manage bootstrap (admin, region, identity endpoints)',
      when: 'after-start',
      on: 'first-control-host',
      // keystone-manage reads the password from OS_BOOTSTRAP_PASSWORD, which su passes on, so it never is in argv.
      env: { OS_BOOTSTRAP_PASSWORD: model.secrets.admin_password },
      unless: adminLogin,
      run: asUser(
        'keystone',
        sh`keystone-manage bootstrap --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin --bootstrap-admin-url ${e.admin} --bootstrap-internal-url ${e.internal} --bootstrap-public-url ${e.public} --bootstrap-region-id ${model.region}`,
      ),
    },
  ]
}

export default defineRole({
  name: 'keystone',
  description: 'Keystone identity service (uwsgi, port 5000)',
  needs: ['mariadb', 'memcached'],
  secrets: {
    admin_password: 'password',
    demo_password: 'password',
    keystone_database_password: 'password',
    keystone_fernet_key_0: 'fernet',
    keystone_fernet_key_1: 'fernet',
    keystone_credential_key_0: 'fernet',
    keystone_credential_key_1: 'fernet',
  },
  api: { type: 'identity', port: 5000, path: '/v3', process: 'keystone', log: '/var/log/keystone/keystone.log' },
  leftovers: ['/var/lib/keystone', '/etc/keystone', '/var/log/keystone'],
  enabled: () => true,
  hosts: (model) => hostsIn(model, 'control'),
  // The operator's `openstack` client on every control host, as the install guide has it.
  users: ['keystone'],
  packages: () => ['keystone', 'python3-openstackclient'],
  files: ({ model }) => [
    ...configFiles(model),
    ...keyFiles(fernetKeyRepository, [model.secrets.keystone_fernet_key_0, model.secrets.keystone_fernet_key_1]),
    ...keyFiles(credentialKeyRepository, [model.secrets.keystone_credential_key_0, model.secrets.keystone_credential_key_1]),
    scriptFile('keystone', adminLoginScript),
    // With TLS on, Debian's init script serves --https-socket from these.
    ...serverTlsFiles(model, 'keystone', 'keystone'),
  ],
  units: () => ['keystone.service'],
  debconf: () => [...debconfSelections],
  databases: () => [{ database: 'keystone', service: 'keystone' }],
  bootstrap: ({ model, host }) => bootstrap(model, host),
  // What every other service needs: the project its users live in, the role its tokens carry;
  // and the role policy.yaml gives a domain's manager.
  // The identity service and its endpoints are made by keystone-manage bootstrap; they are
  // listed here too, so a changed address (or scheme) reaches the catalog on the next deploy.
  register: (model) => {
    const e = model.endpoints.keystone
    return [
      {
        projects: ['service'],
        roles: ['service', 'manager'],
        service: { name: 'keystone', type: e.type, description: 'OpenStack Identity' },
        endpoints: { region: model.region, public: e.public, internal: e.internal, admin: e.admin },
      },
    ]
  },
})
