// SPDX-License-Identifier: Apache-2.0
// Cinder: the Block Storage API and scheduler on control hosts, cinder-volume on
// storage hosts with one backend (LVM/iSCSI, Ceph RBD or vSphere VMDK).
import {
  serverTlsFiles,
  apiWorkers,
  authtoken,
  databaseUrl,
  defineRole,
  hostsIn,
  inGroup,
  keystoneAuth,
  transportUrl,
  type ModelHost,
  type RoleContext,
  type Endpoint,
} from '../../installer/role/index.ts'
import { backendPackages, backendUnits, backendVars, volumeBackend } from './backends.ts'
import { bootstrapSteps, debconfSelections, registration } from './deploy.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    cinder_database_password: string
    cinder_keystone_password: string
  }
  interface EndpointRegistry {
    cinder: Endpoint
  }
}

/** cinder-api and cinder-scheduler run here. */
const isController = (host: ModelHost) => inGroup(host, 'control')
/** cinder-volume runs here. */
const isVolume = (host: ModelHost) => inGroup(host, 'storage')

/** The cinder daemons of a host (Debian unit names). */
function cinderUnits(host: ModelHost): string[] {
  return [
    ...(isController(host) ? ['cinder-api.service', 'cinder-scheduler.service'] : []),
    ...(isVolume(host) ? ['cinder-volume.service'] : []),
  ]
}

function cinderConfVars({ model, host }: RoleContext): Record<string, unknown> {
  return {
    isController: isController(host),
    isVolume: isVolume(host),
    // NOTE: cinder-api runs under uwsgi (cinder-api-uwsgi.ini sets the real process
    // count); osapi_volume_workers only matters if cinder-api is ever run standalone.
    workers: apiWorkers(model),
    transportUrl: transportUrl(model),
    databaseUrl: databaseUrl(model, 'cinder'),
    // Image downloads go to the internal Glance endpoint, not the catalog's public one.
    glanceApiServers: model.endpoints.glance.internal,
    authtoken: authtoken(model, 'cinder'),
    // [nova] and [service_user]: the cinder service user, as keystoneauth options.
    serviceAuth: keystoneAuth(model, 'cinder'),
    lockPath: '/var/lock/cinder',
    ...(isVolume(host) ? backendVars(model) : { backend: false, lvm: false, rbd: false, vmdk: false }),
  }
}

export default defineRole({
  name: 'cinder',
  description: 'Cinder block storage: API and scheduler on control hosts, cinder-volume on storage hosts',
  needs: ['mariadb', 'rabbitmq', 'keystone', 'ceph'],
  secrets: {
    cinder_database_password: 'password',
    cinder_keystone_password: 'password',
  },
  api: { type: 'volumev3', port: 8776, path: '/v3/%(project_id)s', process: 'cinder-api', log: '/var/log/cinder/cinder-api.log' },
  leftovers: ['/var/lib/cinder', '/etc/cinder', '/var/log/cinder'],
  daemons: () =>
    ['cinder-scheduler', 'cinder-volume'].map((binary) => ({ service: 'volume', binary, log: `/var/log/cinder/${binary}.log` })),
  enabled: (model) => model.services.cinder,
  hosts: (model) => hostsIn(model, 'control', 'storage'),
  users: ['cinder'],
  packages: ({ model, host }) => [
    ...(isController(host) ? ['cinder-api', 'cinder-scheduler'] : []),
    ...(isVolume(host) ? ['cinder-volume', ...backendPackages(volumeBackend(model))] : []),
  ],
  files: (ctx) => [
    {
      path: '/etc/cinder/cinder.conf',
      vars: cinderConfVars(ctx),
      // Debian's pkgos_write_new_conf: root:cinder 0640 (database and Keystone passwords).
      group: 'cinder',
      mode: 0o640,
      // NOTE: never restart tgt for a cinder.conf change: that drops every iSCSI session.
      notify: cinderUnits(ctx.host),
    },
    ...(isController(ctx.host)
      ? [
          {
            // Read by /etc/init.d/cinder-api (uwsgi, --http-socket :8776); a dpkg conffile, root:root 0644.
            path: '/etc/cinder/cinder-api-uwsgi.ini',
            vars: { processes: apiWorkers(ctx.model) },
            notify: ['cinder-api.service'],
          },
          // With TLS on, Debian's init script serves --https-socket from these.
          ...serverTlsFiles(ctx.model, 'cinder', 'cinder', ['cinder-api.service']),
        ]
      : []),
  ],
  units: ({ model, host }) => [...cinderUnits(host), ...(isVolume(host) ? backendUnits(volumeBackend(model)) : [])],
  debconf: ({ host }) => debconfSelections(host),
  databases: () => [{ database: 'cinder', service: 'cinder' }],
  bootstrap: ({ model, host }) => bootstrapSteps(model, host),
  register: registration,
})
