// SPDX-License-Identifier: Apache-2.0
// Placement: the resource inventory nova schedules against. Debian 12 runs it under
// uwsgi (placement-api.service → /etc/init.d/placement-api systemd-start →
// uwsgi_python3 --http-socket :8778 --ini placement-api-uwsgi.ini).
import { authtoken, databaseUrl } from '../../installer/render/openstack.ts'
import { apiWorkers, defineRole, hostsIn } from '../../installer/render/role.ts'

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

export default defineRole({
  name: 'placement',
  description: 'Placement API (uwsgi, port 8778)',
  enabled: () => true,
  hosts: (model) => hostsIn(model, 'control'),
  packages: () => ['placement-api'],
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
  ],
  units: () => ['placement-api.service'],
})
