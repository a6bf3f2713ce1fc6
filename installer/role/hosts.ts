// SPDX-License-Identifier: Apache-2.0
// Which hosts a role runs on, and sizes that follow from the hosts: the questions
// a role's functions ask of the model.
import type { Model, ModelHost } from '../model/types.ts'

/** hostsIn's answers per model: roles ask for the same groups once per host, and a cloud may have thousands. */
const groupCache = new WeakMap<Model, Map<string, ModelHost[]>>()

/** Hosts of the model that are members of any of the groups, in inventory order. */
export function hostsIn(model: Model, ...groups: string[]): ModelHost[] {
  const cache = groupCache.get(model) ?? new Map<string, ModelHost[]>()
  groupCache.set(model, cache)
  const key = groups.join('\0')
  let hosts = cache.get(key)
  if (!hosts) {
    hosts = model.hosts.filter((h) => groups.some((g) => h.groups.includes(g)))
    cache.set(key, hosts)
  }
  return hosts
}

/** True when the host is a member of the group. */
export function inGroup(host: ModelHost, group: string): boolean {
  return host.groups.includes(group)
}

/** The all-in-one cloud: every service on one host, which sizes workers and buffers for it. */
export function singleHost(model: Model): boolean {
  return model.hosts.length === 1
}

/**
 * Worker processes per API service on a host. An all-in-one host runs ~20 API
 * services in a few GiB, so each gets one worker there; a dedicated control host
 * gets a few more.
 */
export function apiWorkers(model: Model): number {
  return singleHost(model) ? 1 : 4
}

/**
 * Worker processes of an eventlet server (glance-api, the neutron metadata agent,
 * the Swift servers). On an all-in-one host 0: the server runs in its main process,
 * with no forked child beside it, which saves a whole Python process per service.
 */
export function eventletWorkers(model: Model): number {
  return singleHost(model) ? 0 : apiWorkers(model)
}
