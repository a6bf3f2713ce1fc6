// SPDX-License-Identifier: Apache-2.0
// Keystone: the identity service. Debian 12 runs it under uwsgi (keystone.service →
// /etc/init.d/keystone systemd-start → uwsgi_python3 --http-socket :5000 --ini keystone-uwsgi.ini).
import type { Model } from '../../installer/model/types.ts'
import { databaseUrl } from '../../installer/render/openstack.ts'
import { apiWorkers, defineRole, hostsIn, type RoleFile } from '../../installer/render/role.ts'

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
      // Debian's conffile, changed only in its worker count.
      path: '/etc/keystone/keystone-uwsgi.ini',
      vars: { processes: apiWorkers(model) },
    },
  ]
}

export default defineRole({
  name: 'keystone',
  description: 'Keystone identity service (uwsgi, port 5000)',
  enabled: () => true,
  hosts: (model) => hostsIn(model, 'control'),
  packages: () => ['keystone'],
  files: ({ model }) => [
    ...configFiles(model),
    ...keyFiles(fernetKeyRepository, [model.secrets.keystone_fernet_key_0, model.secrets.keystone_fernet_key_1]),
    ...keyFiles(credentialKeyRepository, [
      model.secrets.keystone_credential_key_0,
      model.secrets.keystone_credential_key_1,
    ]),
  ],
  units: () => ['keystone.service'],
})
