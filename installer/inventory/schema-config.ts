// SPDX-License-Identifier: Apache-2.0
// The inventory schema of `config:`, the operator's configuration overrides
// (service → file → section → key → value), and the services that take them.

/** Services whose files take overrides under `config:`: the role folders' names. */
export const configurableServices = [
  'common',
  'mariadb',
  'rabbitmq',
  'memcached',
  'keystone',
  'glance',
  'placement',
  'nova',
  'neutron',
  'ovn',
  'cinder',
  'ceph',
  'swift',
  'horizon',
] as const

/** The inventory's `config:`: names that INI files and the role folders have, one-line values. */
export const configSchema = {
  type: 'object',
  description: 'Per-service configuration overrides: service → file → section → key → value.',
  propertyNames: { enum: configurableServices },
  additionalProperties: {
    type: 'object',
    propertyNames: {
      pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
      description: 'A file name as the service has it, e.g. nova.conf.',
    },
    additionalProperties: {
      type: 'object',
      // Section names as INI files have them: [DEFAULT], [keystone_authtoken], [filter:authtoken].
      propertyNames: {
        pattern: '^[A-Za-z0-9_][A-Za-z0-9_.:@/-]{0,127}$',
        description: 'A section name, e.g. DEFAULT, keystone_authtoken or filter:authtoken.',
      },
      additionalProperties: {
        type: 'object',
        propertyNames: {
          pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
          description: 'An option name: letters, digits, "_", "." and "-".',
        },
        // One line per value: a newline would start a new key or [section] (pattern and maxLength apply to strings).
        additionalProperties: {
          type: ['string', 'number', 'boolean'],
          maxLength: 4096,
          pattern: '^[^\\x00-\\x1f\\x7f]*$',
          description: 'One line of text, a number or true/false.',
        },
      },
    },
  },
} as const
