// SPDX-License-Identifier: Apache-2.0
// RabbitMQ: the message queue of nova, neutron and cinder, on every control host.
import { defineRole, hostsIn, type Model, type ModelHost } from '../../installer/role/index.ts'

// The names this role adds to the model, typed for every reader.
declare module '../../installer/role/index.ts' {
  interface SecretRegistry {
    rabbitmq_password: string
    rabbitmq_erlang_cookie: string
  }
}

/**
 * Node name of the broker on a host. NOTE: named by management address with long
 * names, so neither the node nor its CLI tools depend on host names resolving
 * (RabbitMQ resolves its node's host part at boot and for every rabbitmqctl call).
 */
export function nodeName(host: ModelHost): string {
  return `rabbit@${host.address}`
}

/** Control hosts whose address is in the transport URL, in inventory order. */
function brokerHosts(model: Model): ModelHost[] {
  return hostsIn(model, 'control').filter((h) => model.rabbitmq.hosts.includes(h.address))
}

export default defineRole({
  name: 'rabbitmq',
  description: 'RabbitMQ message queue for the OpenStack services',
  secrets: {
    rabbitmq_password: 'password',
    rabbitmq_erlang_cookie: 'password',
  },
  ports: { amqp: 5672 },
  leftovers: ['/var/lib/rabbitmq'],
  enabled: () => true,
  hosts: brokerHosts,
  users: ['rabbitmq'],
  packages: () => ['rabbitmq-server'],
  files: ({ model, host }) => [
    {
      // Sourced as shell by rabbitmq-env, for the server and for rabbitmqctl alike.
      path: '/etc/rabbitmq/rabbitmq-env.conf',
      format: 'text',
      owner: 'rabbitmq',
      group: 'rabbitmq',
      vars: { nodeName: nodeName(host), port: model.rabbitmq.port },
    },
    {
      // RABBITMQ_CONFIG_FILE's default (/etc/rabbitmq/rabbitmq + .conf), new-style format.
      path: '/etc/rabbitmq/rabbitmq.conf',
      format: 'text',
      owner: 'rabbitmq',
      group: 'rabbitmq',
      vars: { clusterNodes: brokerHosts(model).map((h, i) => ({ n: i + 1, name: nodeName(h) })) },
    },
    {
      // NOTE: the same cookie on every node, so they can cluster and rabbitmqctl can talk
      // to them. Erlang refuses a cookie file that others can read.
      path: '/var/lib/rabbitmq/.erlang.cookie',
      content: model.secrets.rabbitmq_erlang_cookie,
      format: 'text',
      owner: 'rabbitmq',
      group: 'rabbitmq',
      mode: 0o400,
    },
  ],
  units: () => ['rabbitmq-server.service'],
  bootstrap: ({ model }) => [
    {
      id: 'rabbitmq.user',
      title: 'user openstack with all permissions on /',
      when: 'after-start',
      on: 'first-control-host',
      env: { RABBIT_PASSWORD: model.secrets.rabbitmq_password },
      // NOTE: each rabbitmqctl starts an Erlang VM (about a second): the check does not wait
      // for the node, since a node still starting fails it and the run waits. rabbitmqctl
      // reads a password from standard input when none is given (3.9+); printf is a shell
      // builtin, so the password never is in any process's argv.
      unless: [
        'printf \'%s\\n\' "$RABBIT_PASSWORD" | rabbitmqctl -q authenticate_user openstack >/dev/null 2>&1',
        'rabbitmqctl -q list_user_permissions openstack | grep -qx "/\\s*\\.\\*\\s*\\.\\*\\s*\\.\\*"',
      ].join(' && '),
      run: [
        // systemd reports the node started before it accepts rabbitmqctl.
        'rabbitmqctl await_startup --timeout 120',
        '{ if rabbitmqctl -q list_users | cut -f1 | grep -qx openstack; then verb=change_password; else verb=add_user; fi; }',
        'printf \'%s\\n\' "$RABBIT_PASSWORD" | rabbitmqctl -q "$verb" openstack >/dev/null',
        'rabbitmqctl set_permissions -p / openstack ".*" ".*" ".*"',
      ].join(' && '),
    },
  ],
})
