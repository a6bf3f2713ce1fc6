// SPDX-License-Identifier: Apache-2.0
// Values every OpenStack service's configuration shares: database and message
// queue URLs, and the Keystone credentials of a service user. Computed here once
// so every role writes them the same way.
import { clientCaFile } from './tls-client.ts'
import type { CatalogService, Model } from '../model/types.ts'
import type { KeystoneSpec } from '../tasks/keystone.ts'
import { FixableError } from '../errors.ts'
import type { SecretName } from '../secrets/names.ts'

/** Services with a database of their own (a `<service>_database_password` secret); the user has the same name. */
export type DatabaseService = SecretName extends infer N ? (N extends `${infer S}_database_password` ? S : never) : never

/** Services with a user in the Keystone `service` project (a `<user>_keystone_password` secret). */
export type ServiceUser = SecretName extends infer N ? (N extends `${infer S}_keystone_password` ? S : never) : never

/**
 * SQLAlchemy URL of a service database (PyMySQL driver, as Debian's packages use).
 * @param database defaults to the service name; nova also has `nova_api` and `nova_cell0`.
 */
export function databaseUrl(model: Model, service: DatabaseService, database: string = service): string {
  const password = model.secrets[`${service}_database_password`]
  return `mysql+pymysql://${service}:${password}@${model.database.host}:${model.database.port}/${database}`
}

/** oslo.messaging transport URL listing every RabbitMQ node (user `openstack`). */
export function transportUrl(model: Model): string {
  const hosts = model.rabbitmq.hosts.map((h) => `openstack:${model.secrets.rabbitmq_password}@${h}:${model.rabbitmq.port}`)
  return `rabbit://${hosts.join(',')}/`
}

/** Keystone password credentials of a service user, as keystoneauth1 options. */
export interface KeystoneAuth {
  authUrl: string
  authType: 'password'
  projectDomainName: 'Default'
  userDomainName: 'Default'
  projectName: 'service'
  username: string
  password: string
  regionName: string
  /** The CA bundle that verifies the cloud's endpoints, when they are https. */
  cafile?: string
}

export function keystoneAuth(model: Model, user: ServiceUser): KeystoneAuth {
  return {
    authUrl: model.endpoints.keystone.internal.replace(/\/v3$/, ''),
    authType: 'password',
    projectDomainName: 'Default',
    userDomainName: 'Default',
    projectName: 'service',
    username: user,
    password: model.secrets[`${user}_keystone_password`],
    regionName: model.region,
    ...(model.tls.enabled ? { cafile: clientCaFile(model) } : {}),
  }
}

/** Values of a `[keystone_authtoken]` section (keystonemiddleware), for the `keystone_authtoken` partial. */
export interface Authtoken extends KeystoneAuth {
  wwwAuthenticateUri: string
  memcachedServers: string
  serviceTokenRoles: string
  serviceTokenRolesRequired: boolean
}

export function authtoken(model: Model, user: ServiceUser): Authtoken {
  return {
    ...keystoneAuth(model, user),
    wwwAuthenticateUri: model.endpoints.keystone.public.replace(/\/v3$/, ''),
    memcachedServers: model.memcachedServers.join(','),
    serviceTokenRoles: 'service',
    serviceTokenRolesRequired: true,
  }
}

/**
 * A service's Keystone registration: its user in the `service` project (with
 * `admin`, and `service`, which every [keystone_authtoken] requires of service
 * tokens), the catalog service, and its three endpoints from the model.
 */
export function catalogRegistration(
  model: Model,
  user: ServiceUser & CatalogService,
  service: { name: string; description: string },
): Omit<KeystoneSpec, 'role'> {
  const e = model.endpoints[user]
  return {
    user: { name: user, password: model.secrets[`${user}_keystone_password`], project: 'service', roles: ['admin', 'service'] },
    service: { name: service.name, type: e.type, description: service.description },
    endpoints: { region: model.region, public: e.public, internal: e.internal, admin: e.admin },
  }
}

/** An oslo.config value as written: `$` starts a substitution there, so a literal one is doubled. */
export function osloLiteral(value: string): string {
  return value.replaceAll('$', '$$$$')
}

/** What nova's VMware driver and cinder's VMDK driver need to reach vCenter, as oslo.config values. */
export interface VsphereSettings {
  hostIp: string
  username: string
  password: string
  cluster: string
  datastoreRegex: string
  insecure: boolean
}

/**
 * The vCenter connection. Throws an input error (exit 1, with the fix) when the
 * operator has not set vsphere_password, which is never generated.
 */
export function vsphereSettings(model: Model, user: string): VsphereSettings {
  const vs = model.vsphere
  if (!vs)
    throw new FixableError(`${user} drives vSphere, but the inventory has no vsphere: section`, {
      fix: 'add vsphere: (host, username, cluster, datastore) to the inventory',
    })
  if (!vs.cluster || !vs.datastore)
    throw new FixableError(`${user} needs the vCenter cluster and a datastore pattern`, {
      fix: 'add cluster: and datastore: under vsphere: in the inventory',
    })
  const password = model.secrets.vsphere_password
  if (!password) {
    throw new FixableError(`${user} needs the vCenter password, and the secret vsphere_password is not set`, {
      fix: 'stackhouse secrets set vsphere_password < a-file-holding-it (add -i for your inventory)',
    })
  }
  return {
    hostIp: vs.host,
    username: osloLiteral(vs.username),
    password: osloLiteral(password),
    cluster: osloLiteral(vs.cluster),
    datastoreRegex: osloLiteral(vs.datastore),
    insecure: vs.insecure,
  }
}
