// SPDX-License-Identifier: Apache-2.0
// Every role, in deploy order: infrastructure, identity, then the services that
// register with it, then what uses them.
import type { Role } from '../installer/role/index.ts'
import ceph from './ceph/role.ts'
import common from './common/role.ts'
import cinder from './cinder/role.ts'
import glance from './glance/role.ts'
import horizon from './horizon/role.ts'
import keystone from './keystone/role.ts'
import mariadb from './mariadb/role.ts'
import memcached from './memcached/role.ts'
import neutron from './neutron/role.ts'
import nova from './nova/role.ts'
import ovn from './ovn/role.ts'
import placement from './placement/role.ts'
import rabbitmq from './rabbitmq/role.ts'
import swift from './swift/role.ts'

export const roles: readonly Role[] = [
  common,
  mariadb,
  rabbitmq,
  memcached,
  keystone,
  glance,
  placement,
  nova,
  ovn,
  neutron,
  ceph,
  cinder,
  swift,
  horizon,
]
