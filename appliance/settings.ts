// SPDX-License-Identifier: Apache-2.0
// What an evaluator sets when deploying the appliance: one table, from which the
// OVF's ProductSection (vSphere's deploy wizard) is written and which first boot
// reads back from the OVF environment, a seed or the kernel command line.

export type SettingType = 'string' | 'boolean' | 'int'

export interface Setting {
  /** The OVF property key, also the name on the kernel command line (`stackhouse.<key>=`). */
  key: string
  type: SettingType
  /** The wizard's group. */
  category: 'Network' | 'Credentials' | 'Cloud' | 'Labs'
  label: string
  description: string
  /** As the OVF carries it: '' for none. */
  default: string
  /** Shown masked and asked twice by vSphere; blanked in the guest after first boot. */
  password?: boolean
  /** A drop-down. */
  choices?: readonly string[]
  /** vSphere's qualifiers, e.g. MinLen(12). */
  minLength?: number
  maxLength?: number
}

/** The admin password's shortest length, in the wizard and at first boot. */
export const minPasswordLength = 12

export const settings: readonly Setting[] = [
  {
    key: 'hostname',
    type: 'string',
    category: 'Network',
    label: 'Host name',
    description: 'The appliance host name (letters, digits and hyphens).',
    default: 'stackhouse',
    maxLength: 63,
  },
  {
    key: 'network.mode',
    type: 'string',
    category: 'Network',
    label: 'Address',
    description: 'dhcp: ask the network for an address. static: use the address below.',
    default: 'dhcp',
    choices: ['dhcp', 'static'],
  },
  {
    key: 'network.address',
    type: 'string',
    category: 'Network',
    label: 'Static address',
    description: 'IPv4 address with prefix length, e.g. 192.0.2.10/24 (static only).',
    default: '',
  },
  {
    key: 'network.gateway',
    type: 'string',
    category: 'Network',
    label: 'Gateway',
    description: 'IPv4 default gateway (static only).',
    default: '',
  },
  {
    key: 'network.dns',
    type: 'string',
    category: 'Network',
    label: 'DNS servers',
    description: 'Comma-separated IPv4 addresses (static only).',
    default: '',
  },
  {
    key: 'network.ntp',
    type: 'string',
    category: 'Network',
    label: 'NTP servers',
    description: 'Comma-separated names or addresses; empty for the ones DHCP gives or none.',
    default: '',
  },
  {
    key: 'admin_password',
    type: 'string',
    category: 'Credentials',
    label: 'Admin password',
    description: `Password of the cloud's admin user, at least ${minPasswordLength} characters.`,
    default: '',
    password: true,
    minLength: minPasswordLength,
  },
  {
    key: 'ssh_key',
    type: 'string',
    category: 'Credentials',
    label: 'SSH public key',
    description: 'One OpenSSH public key allowed to log in as root.',
    default: '',
  },
  {
    key: 'mode',
    type: 'string',
    category: 'Cloud',
    label: 'Role',
    description:
      'cloud: configure the all-in-one cloud on this VM. host: only the network and the SSH key, for a multi-host inventory (stackhouse vsphere create-hosts).',
    default: 'cloud',
    choices: ['cloud', 'host'],
  },
  {
    key: 'cloud.floating_range',
    type: 'string',
    category: 'Cloud',
    label: 'Floating IP range',
    description: 'First and last address on the external network for floating IPs, e.g. 192.0.2.100-192.0.2.199.',
    default: '',
  },
  {
    key: 'cloud.tls',
    type: 'boolean',
    category: 'Cloud',
    label: 'TLS',
    description: 'Serve the dashboard and the APIs over HTTPS with a certificate made on first boot.',
    default: 'false',
  },
  {
    key: 'labs.set',
    type: 'string',
    category: 'Labs',
    label: 'Lab set',
    description: 'Which hands-on labs to prepare.',
    default: 'none',
    choices: ['none', 'all'],
  },
  {
    key: 'labs.students',
    type: 'int',
    category: 'Labs',
    label: 'Students',
    description: 'How many student projects to make (0 to 40).',
    default: '0',
  },
]

/** Every key carries this prefix in the OVF, so that it cannot collide with another product's. */
export const propertyPrefix = 'stackhouse.'
