// SPDX-License-Identifier: Apache-2.0
// memcached: Keystone token cache and keystonemiddleware cache on control hosts.
import { defineRole, hostsIn } from '../../installer/role/index.ts'

/** Its one port, which the model's memcached servers name. */
const port = 11211

export default defineRole({
  name: 'memcached',
  description: 'memcached cache for tokens and API middleware',
  enabled: () => true,
  hosts: (model) => hostsIn(model, 'control'),
  ports: { memcached: port },
  users: ['memcache'],
  packages: () => ['memcached'],
  files: () => [
    {
      path: '/etc/memcached.conf',
      format: 'text',
      // NOTE: Debian's default 64 MB and 1024 connections are too small once every
      // API worker keeps a pool; Kolla uses 1024 MB on real control hosts.
      vars: { memoryMb: 256, maxConnections: 4096, port },
    },
  ],
  units: () => ['memcached.service'],
})
