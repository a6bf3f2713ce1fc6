// SPDX-License-Identifier: Apache-2.0
// Glance: the image service. NOTE: Debian 12 runs glance-api as its own eventlet
// server (/etc/init.d/glance-api disables uwsgi: "Glance appears broken with uwsgi"),
// so the listener and worker count are glance-api.conf options.
import { authtoken, databaseUrl } from '../../installer/render/openstack.ts'
import { apiWorkers, defineRole, hostsIn } from '../../installer/render/role.ts'

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

export default defineRole({
  name: 'glance',
  description: 'Glance image service (eventlet, port 9292), images on the local file system',
  enabled: () => true,
  hosts: (model) => hostsIn(model, 'control'),
  packages: () => ['glance-api'],
  files: ({ model }) => [
    {
      path: '/etc/glance/glance-api.conf',
      group: 'glance',
      mode: 0o640,
      vars: {
        port: model.endpoints.glance.port,
        workers: apiWorkers(model),
        databaseUrl: databaseUrl(model, 'glance'),
        authtoken: authtoken(model, 'glance'),
        imagesDir,
      },
    },
  ],
  units: () => ['glance-api.service'],
})
