// SPDX-License-Identifier: Apache-2.0
// What every host gets before any package: apt's mirror and proxy from the
// inventory, and /etc/hosts naming every host of the cloud (RabbitMQ, OVN and
// libvirt look hosts up by name). Written in the prepare phase, before apt runs.
import { defineRole, hostsIn, type RoleFile } from '../../installer/render/role.ts'

export default defineRole({
  name: 'common',
  description: 'apt sources and proxy, /etc/hosts',
  enabled: () => true,
  hosts: (model) => hostsIn(model, 'all'),
  packages: () => [],
  files: ({ model, host }) => {
    const files: RoleFile[] = [
      {
        path: '/etc/hosts',
        format: 'text',
        vars: { hosts: model.hosts.map((h) => ({ address: h.address, name: h.name, self: h.name === host.name })) },
      },
    ]
    if (model.packages.proxy) {
      files.push({ path: '/etc/apt/apt.conf.d/90stackhouse-proxy', format: 'text', vars: { proxy: model.packages.proxy } })
    }
    if (model.packages.mirror) {
      // NOTE: Debian 12's own file name, so the mirror replaces the installer's default
      // instead of adding a second copy of every suite.
      files.push({
        path: '/etc/apt/sources.list.d/debian.sources',
        format: 'text',
        vars: { mirror: model.packages.mirror, securityMirror: model.packages.securityMirror ?? '' },
      })
    }
    return files
  },
  units: () => [],
})
