// SPDX-License-Identifier: Apache-2.0
// Where each OpenStack service logs on a Debian 12 host, as Stackhouse deploys it
// (API logs from uwsgi's logto, agents' own log files, Swift in the journal).
import type { Model } from '../model/types.ts'
import { OpenStackError } from '../openstack/session.ts'
import { KeystoneError } from '../openstack/keystone.ts'
import { hintFor } from './context.ts'
import type { Hint } from './types.ts'

/** Catalog type → the API service, the group it runs on and its log. */
const apis: Record<string, { service: string; log: string }> = {
  identity: { service: 'keystone', log: '/var/log/keystone/keystone.log' },
  compute: { service: 'nova-api', log: '/var/log/nova/nova-api.log' },
  image: { service: 'glance-api', log: '/var/log/glance/glance-api.log' },
  placement: { service: 'placement-api', log: '/var/log/placement/placement-api.log' },
  volumev3: { service: 'cinder-api', log: '/var/log/cinder/cinder-api.log' },
  'object-store': { service: 'swift-proxy', log: 'journalctl -u swift-proxy' },
}

/** Neutron's API and RPC server: the eventlet neutron-server with either backend. */
const neutronApi = (_model: Model) => ({ service: 'neutron-server', log: '/var/log/neutron/neutron-server.log' })

/** The hint for a failing API of a catalog type. */
export function apiHint(model: Model, type: string, fix?: string): Hint {
  const api = type === 'network' ? neutronApi(model) : (apis[type] ?? { service: type, log: 'journalctl -p warning' })
  return hintFor(model, api.service, 'control', api.log, fix)
}

/** Log of a Nova, Neutron or Cinder daemon by its binary name (nova-compute, neutron-l3-agent, cinder-volume). */
export function daemonLog(binary: string): string {
  const project = binary.split('-')[0] ?? binary
  if (project === 'ovn') return `/var/log/ovn/${binary}.log`
  return `/var/log/${project}/${binary}.log`
}

/** The hint an error implies: the API that answered badly, or Keystone for a token. */
export function hintFromError(model: Model, e: unknown): Hint | undefined {
  if (e instanceof OpenStackError) return apiHint(model, e.service)
  if (e instanceof KeystoneError) return apiHint(model, 'identity')
  return undefined
}
