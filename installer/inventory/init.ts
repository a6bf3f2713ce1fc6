// SPDX-License-Identifier: Apache-2.0
// The commented starting inventory that `stackhouse init` writes for operators.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { packageRoot } from '../paths.ts'
import { schemaDefault as d } from './schema.ts'

/**
 * Where editors find the inventory's schema: the copy this package ships (YAML
 * language servers read the modeline above the first line).
 */
const schemaLocation = pathToFileURL(join(packageRoot, 'inventory.schema.json')).href

export interface InitHost {
  name: string
  address: string
}

/** Parse `name=address,name=address`; throws with the offending entry. */
export function parseHostList(text: string): InitHost[] {
  return text.split(',').map((entry) => {
    const m = /^([a-z0-9-]+)=(\d{1,3}(?:\.\d{1,3}){3})$/.exec(entry.trim())
    if (!m) throw new Error(`--hosts: "${entry}" is not name=address (e.g. ctl1=10.0.0.11)`)
    return { name: m[1]!, address: m[2]! }
  })
}

/** `key: value` padded to the column its comment starts at. */
const commented = (text: string, comment: string) => `${text.padEnd(29)}# ${comment}`

/**
 * Inventory text for the hosts. Values it shows that are defaults are read from the
 * schema, so the example never disagrees with what leaving a key out means. Hosts: one host is an all-in-one cloud; with more, the
 * first is the controller and network node, the rest compute and storage nodes.
 * @param sshKey the private key the hosts accept, as the inventory should name it
 *   (e.g. `~/.ssh/id_ed25519`); without one the ssh line is left as a comment to fill in.
 */
export function initInventory(hosts: InitHost[], sshKey?: string): string {
  const [first, ...rest] = hosts
  if (!first) throw new Error('at least one host is needed')
  const net = first.address.split('.').slice(0, 3).join('.')
  const others = rest.length ? rest : [first]
  const list = (hs: InitHost[]) => `[${hs.map((h) => h.name).join(', ')}]`
  return `# yaml-language-server: $schema=${schemaLocation}
# Stackhouse inventory. Edit, then: stackhouse validate -i THIS_FILE && stackhouse plan -i THIS_FILE
# Every key is documented in inventory.schema.json; editors that read JSON Schema complete and check it.
name: mycloud
region: ${d('region')}
${commented(`target: ${d('target')}`, 'hosts (servers over SSH) | sandbox | vsphere')}

hosts:
${hosts.map((h) => `  - name: ${h.name}\n    address: ${h.address}         # management address; SSH goes here\n${sshLine(sshKey)}`).join('\n')}

# Services run on the hosts of these groups. Add groups of your own freely.
groups:
  control: ${list([first])}      # APIs, MariaDB, RabbitMQ, memcached, Horizon
  network: ${list([first])}      # Neutron DHCP, L3 and metadata agents
  compute: ${list(others)}      # nova-compute
  storage: ${list(others)}      # cinder-volume, Swift storage servers

networks:
  management: { cidr: ${net}.0/24, interface: eth0 }
  # tunnel: { cidr: 10.0.1.0/24, interface: eth2 }   # VXLAN/Geneve; default: the management network
  provider:                  # the external network floating IPs come from
    cidr: 203.0.113.0/24
    gateway: 203.0.113.1
    interface: eth1
    allocation: { start: 203.0.113.100, end: 203.0.113.200 }

# endpoints: { public_address: cloud.example.com }   # default: the first control host's address

services:                    # optional services; Keystone, Glance, Placement, Nova, Neutron are always on
  cinder: ${d('services', 'cinder')}
  swift: ${d('services', 'swift')}
  horizon: ${d('services', 'horizon')}

backends:
${commented(`  network: ${d('backends', 'network')}`, 'linuxbridge | ovn')}
${commented(`  block_storage: ${d('backends', 'block_storage')}`, 'lvm | ceph | vmdk (vSphere)')}
  lvm: { volume_group: ${d('backends', 'lvm', 'volume_group')}, devices: [/dev/sdb] }
${commented(`  compute: ${d('backends', 'compute')}`, 'libvirt | vmware (vSphere)')}
${commented(`  virt_type: ${d('backends', 'virt_type')}`, 'auto (KVM when /dev/kvm works, else QEMU) | kvm | qemu')}

# packages:
#   mirror: http://debian-mirror.example.com/debian   # default: the hosts' own apt sources
#   proxy: http://10.0.0.1:3142                       # e.g. apt-cacher-ng

tls: { enabled: ${d('tls', 'enabled')} }

# Per-service overrides, merged key by key over the rendered files (also: overrides/<service>/<file>).
# config:
#   nova:
#     nova.conf:
#       DEFAULT: { cpu_allocation_ratio: 4.0 }
`
}

function sshLine(key: string | undefined): string {
  const ssh = (k: string) => `ssh: { user: ${d('hosts', 'ssh', 'user')}, port: ${d('hosts', 'ssh', 'port')}, key: ${k} }`
  return key
    ? `    ${ssh(key)}`
    : `    # ${ssh('~/.ssh/id_ed25519')}   # no SSH key found here: make one (ssh-keygen -t ed25519) and name it`
}
