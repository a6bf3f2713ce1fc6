// SPDX-License-Identifier: Apache-2.0
// The inventory schema of `vsphere:`: the vCenter Stackhouse talks to, what the
// VMware drivers use (cluster, datastore pattern), and where `stackhouse vsphere
// create-hosts` puts the inventory's hosts as VMs (`vms:`).
import { addressOrName, ipv4, line, localPath } from './schema-values.ts'

const name = (what: string) => line(256, `${what} as vCenter shows it.`)

/** Where create-hosts makes the hosts' VMs: clones of an imported appliance. */
const vmsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['template', 'datastore', 'network'],
  description: 'Where stackhouse vsphere create-hosts makes the hosts as VMs.',
  properties: {
    template: line(80, 'The VM or template each host is cloned from: the appliance imported with stackhouse vsphere deploy-appliance.'),
    datacenter: { ...name('Datacenter'), description: 'Datacenter as vCenter shows it (default: the only one).' },
    cluster: name('Cluster whose resource pool the VMs join,'),
    esxi_host: name('ESXi host for the VMs (in the cluster, if one is named),'),
    resource_pool: name("Resource pool (default: the cluster's or host's own),"),
    datastore: name("Datastore for the VMs' disks,"),
    network: name("Port group the VMs' NIC joins,"),
    dns: {
      type: 'array',
      items: ipv4,
      maxItems: 3,
      uniqueItems: true,
      description: 'DNS servers of the hosts given a static address (DHCP hosts get theirs from DHCP).',
    },
    cpus: { type: 'integer', minimum: 1, maximum: 128, description: "Virtual CPUs per VM (default: the template's)." },
    memory_gib: { type: 'integer', minimum: 2, maximum: 4096, description: "Memory per VM in GiB (default: the template's)." },
  },
} as const

export const vsphereSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'username'],
  properties: {
    host: { ...addressOrName, description: 'vCenter address: a DNS name or an IPv4 address.' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 443, description: "vCenter's HTTPS port." },
    username: line(256, 'vCenter user, e.g. administrator@vsphere.local.'),
    cluster: line(256, 'Cluster name as vCenter shows it (nova-compute with compute: vmware).'),
    datastore: line(256, 'Datastore name (a regular expression) for the VMware drivers.'),
    insecure: { type: 'boolean', default: false, description: "Do not check vCenter's certificate (avoid: give ca_file)." },
    ca_file: {
      ...localPath,
      description: "PEM file of the CA that signed vCenter's certificate: absolute, ~/…, or relative to the inventory file.",
    },
    vms: vmsSchema,
  },
} as const
