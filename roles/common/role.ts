// SPDX-License-Identifier: Apache-2.0
// What every host gets before any package: apt's mirror and proxy from the
// inventory, and /etc/hosts naming every host of the cloud (RabbitMQ, OVN and
// libvirt look hosts up by name), and the scripts other roles' steps run.
// Written in the prepare phase, before apt runs.
import {
  aptPathDir,
  caTrustFiles,
  defineRole,
  hostsIn,
  scriptFile,
  trustCaStep,
  type Model,
  type RoleFile,
} from '../../installer/role/index.ts'

/**
 * Programs other roles' steps run (installer/render/schema-state.ts and steps.ts):
 * here, so they are on every host before any role's phase.
 */
const sharedScripts = ['alembic-head.py', 'http-answers.py', 'sql-rows.py']

/**
 * Every host's address and name (with the machine's own name after it, where it differs), once
 * per model (every host's /etc/hosts lists them all). The inventory name comes first: it is the
 * canonical name, which libvirt reports to Nova as the hypervisor's, so a renamed machine keeps
 * its compute node.
 */
const hostsLists = new WeakMap<Model, { address: string; name: string; alias?: string }[]>()
function hostsList(model: Model): { address: string; name: string; alias?: string }[] {
  const list =
    hostsLists.get(model) ?? model.hosts.map((h) => ({ address: h.address, name: h.name, ...(h.hostname ? { alias: h.hostname } : {}) }))
  hostsLists.set(model, list)
  return list
}

export default defineRole({
  name: 'common',
  description: 'apt sources and proxy, /etc/hosts, the scripts steps share',
  // The scripts go with the rest: common's files otherwise stay (they are the host's own).
  leftovers: ['/etc/apt/apt.conf.d/90stackhouse-proxy', '/usr/local/libexec/stackhouse', '/var/lib/stackhouse'],
  enabled: () => true,
  hosts: (model) => hostsIn(model, 'all'),
  packages: () => [],
  files: ({ model }) => {
    const files: RoleFile[] = [
      {
        path: '/etc/hosts',
        format: 'text',
        // NOTE: the same on every host; rendered once, since it lists every host.
        sameOnEveryHost: true,
        vars: { hosts: hostsList(model) },
      },
      ...sharedScripts.map((s) => scriptFile('common', s)),
      // Byte-compiling deferred to the end of each apt transaction, on every core.
      { ...scriptFile('common', 'py3compile-later.sh'), path: `${aptPathDir}/py3compile` },
      // With TLS on: the deployment's CA, trusted by every program on the host.
      ...caTrustFiles(model),
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
  bootstrap: ({ model }) => trustCaStep(model),
})
