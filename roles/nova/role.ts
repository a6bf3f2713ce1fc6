// SPDX-License-Identifier: Apache-2.0
// nova: the compute API, metadata API, conductor, scheduler and noVNC proxy on
// control hosts; nova-compute on compute hosts. An all-in-one host gets both
// halves in one nova.conf.
import {
  serverTlsPaths,
  serverTlsFiles,
  apiScheme,
  apiWorkers,
  authtoken,
  catalogRegistration,
  databaseUrl,
  defineRole,
  hostsIn,
  inGroup,
  keystoneAuth,
  transportUrl,
  waitForHttp,
  type BootstrapStep,
  type Model,
  type ModelHost,
  type RoleContext,
  type RoleFile,
  type Endpoint,
} from '../../installer/role/index.ts'
import { attachesRbd, computeFiles, computePackages, computeUnits, startTimeoutLoaded, waitsForRemoteConductor } from './_compute.ts'
import { databaseSteps, discoverHostsStep, rbdSecretStep, virtTypeFileGone } from './_steps.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    nova_database_password: string
    nova_keystone_password: string
    libvirt_rbd_secret_uuid: string
    vsphere_password?: string
  }
  interface EndpointRegistry {
    nova: Endpoint
  }
}

const controllerPackages = ['nova-api', 'nova-conductor', 'nova-scheduler', 'nova-consoleproxy']

/** Units of the control part, as Debian's packages name them. */
const controllerUnits = [
  'nova-api.service', // uwsgi, port 8774
  'nova-api-metadata.service', // uwsgi, port 8775
  'nova-conductor.service',
  'nova-scheduler.service',
  'nova-novncproxy.service', // port 6080
]

/**
 * Where the deploy engine installs the TLS certificate and key when TLS is on.
 * Debian's uwsgi init scripts serve https for nova-api and nova-api-metadata as
 * soon as a *.pem and a *.crt exist in these folders; nova-novncproxy reads them
 * from nova.conf.
 */
export const tlsFiles = serverTlsPaths('nova')

/** Seconds between scans for new compute hosts, so adding one needs no manual `discover_hosts`. */
const discoverHostsInterval = 300

const isController = (host: ModelHost) => inGroup(host, 'control')
const isCompute = (host: ModelHost) => inGroup(host, 'compute')

/**
 * debconf answers (debconf-set-selections lines). The configure_* questions keep the
 * maintainer scripts away from databases, RabbitMQ, Keystone and the catalog (all
 * default to false). nova-common's postinst writes my-ip and cinder_os_region_name
 * into nova.conf on every configure: answering with the rendered values keeps an
 * upgrade from changing the file. nova-consoleproxy's postinst writes daemon_type
 * into /etc/default/nova-consoleproxy.
 */
export function debconfSelections(model: Model, host: ModelHost): string[] {
  return [
    `nova-common nova/my-ip string ${host.address}`,
    `nova-common nova/cinder_os_region_name string ${model.region}`,
    ...['configure_db', 'configure_rabbit', 'configure_ksat', 'configure_neutron', 'configure_placement'].map(
      (q) => `nova-common nova/${q} boolean false`,
    ),
    'nova-common nova-common/dbconfig-install boolean false',
    ...(isController(host)
      ? [
          'nova-api novaapi/configure_db boolean false',
          'nova-api nova-api/dbconfig-install boolean false',
          'nova-api nova/configure_api-endpoint boolean false',
          'nova-consoleproxy nova-consoleproxy/daemon_type select novnc',
        ]
      : []),
  ]
}

/** Databases on the first control host, the Ceph key on compute hosts, then cell1's hosts. */
function bootstrap({ model, host }: RoleContext): BootstrapStep[] {
  const libvirt = model.backends.compute === 'libvirt'
  return [
    ...(isController(host) ? databaseSteps(model) : []),
    ...(isCompute(host) && libvirt ? [virtTypeFileGone()] : []),
    ...(isCompute(host) && attachesRbd(model) ? [rbdSecretStep(model)] : []),
    ...(waitsForRemoteConductor(host) ? [startTimeoutLoaded()] : []),
    // uwsgi takes seconds to load nova-api after systemd reports it started; post-deploy calls it.
    ...(isController(host) ? [waitForHttp('nova.wait', `${apiScheme(model)}://${host.address}:${model.endpoints.nova.port}/`)] : []),
    ...(isController(host) ? [discoverHostsStep(model)] : []),
  ]
}

export default defineRole({
  name: 'nova',
  description: 'Nova compute service: API, conductor, scheduler, noVNC proxy and nova-compute',
  // Its schema migrations need only the database; nova-compute registers with Placement as it starts.
  needs: ['mariadb', 'rabbitmq', 'keystone'],
  unitsNeed: ['placement'],
  secrets: {
    nova_database_password: 'password',
    nova_keystone_password: 'password',
    libvirt_rbd_secret_uuid: 'uuid',
    vsphere_password: 'operator',
  },
  api: { type: 'compute', port: 8774, path: '/v2.1', process: 'nova-api', log: '/var/log/nova/nova-api.log' },
  ports: { novncproxy: 6080 },
  leftovers: ['/var/lib/nova', '/etc/nova', '/var/log/nova'],
  daemons: () =>
    ['nova-conductor', 'nova-scheduler', 'nova-compute'].map((binary) => ({
      service: 'compute',
      binary,
      log: `/var/log/nova/${binary}.log`,
    })),
  enabled: () => true,
  hosts: (model) => hostsIn(model, 'control', 'compute'),
  users: ['nova'],
  packages: ({ model, host }) => [
    ...(isController(host) ? controllerPackages : []),
    ...(isCompute(host) ? computePackages(model, host) : []),
  ],
  files: ({ model, host }) => [
    novaConf({ model, host }),
    ...(isController(host) ? controllerFiles(model) : []),
    ...(isCompute(host) ? computeFiles(model, host) : []),
  ],
  units: ({ model, host }) => [...(isController(host) ? controllerUnits : []), ...(isCompute(host) ? computeUnits(model) : [])],
  debconf: ({ model, host }) => debconfSelections(model, host),
  databases: () => ['nova_api', 'nova', 'nova_cell0'].map((database) => ({ database, service: 'nova' as const })),
  bootstrap,
  register: (model) => [catalogRegistration(model, 'nova', { name: 'nova', description: 'OpenStack Compute' })],
})

/** /etc/nova/nova.conf, root:nova 0640 as Debian's postinst leaves it. Restarts every nova unit, never libvirtd. */
function novaConf({ model, host }: RoleContext): RoleFile {
  return {
    path: '/etc/nova/nova.conf',
    group: 'nova',
    mode: 0o640,
    vars: {
      isController: isController(host),
      isCompute: isCompute(host),
      myIp: host.address,
      transportUrl: transportUrl(model),
      workers: apiWorkers(model),
      tls: model.tls.enabled ? tlsFiles : false,
      apiDatabaseUrl: databaseUrl(model, 'nova', 'nova_api'),
      // NOTE: `nova-manage cell_v2 map_cell0` derives cell0's URL from this one
      // by appending `_cell0` to the database name: .../nova_cell0.
      databaseUrl: databaseUrl(model, 'nova'),
      authtoken: authtoken(model, 'nova'),
      cinder: keystoneAuth(model, 'nova'),
      neutron: keystoneAuth(model, 'neutron'),
      placement: keystoneAuth(model, 'placement'),
      serviceUser: keystoneAuth(model, 'nova'),
      metadataSecret: model.secrets.metadata_proxy_secret,
      regionName: model.region,
      discoverHostsInterval,
      novncUrl: model.novncUrl,
    },
    notify: [...(isController(host) ? controllerUnits : []), ...(isCompute(host) ? ['nova-compute.service'] : [])],
  }
}

function controllerFiles(model: Model): RoleFile[] {
  const processes = apiWorkers(model)
  return [
    uwsgiIni('nova-api', model.endpoints.nova.port, '/usr/bin/nova-api-wsgi', { processes, threads: 1, debianProcesses: 16 }),
    uwsgiIni('nova-api-metadata', 8775, '/usr/bin/nova-metadata-wsgi', { processes, threads: 32, debianProcesses: 8 }),
    {
      // NOTE: Debian's default selects spicehtml5, so nova-novncproxy.service would
      // exit 0 at once; the serial proxy is not used.
      path: '/etc/default/nova-consoleproxy',
      template: 'nova-consoleproxy.hbs',
      notify: ['nova-novncproxy.service'],
    },
    // What serves the certificate: the two uwsgi APIs and the console proxy (conductor and scheduler do not).
    ...serverTlsFiles(model, 'nova', 'nova', ['nova-api.service', 'nova-api-metadata.service', 'nova-novncproxy.service']),
  ]
}

type UwsgiSize = { processes: number; threads: number; debianProcesses: number }

/** Debian's uwsgi .ini for an API, with the process count sized for this cloud. */
function uwsgiIni(name: string, port: number, wsgiFile: string, size: UwsgiSize): RoleFile {
  return {
    path: `/etc/nova/${name}-uwsgi.ini`,
    template: 'uwsgi.ini.hbs',
    vars: { name, port, wsgiFile, ...size },
    notify: [`${name}.service`],
  }
}
