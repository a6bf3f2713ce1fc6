// SPDX-License-Identifier: Apache-2.0
// Where each OpenStack service logs on a Debian 12 host, as Stackhouse deploys it
// (API logs from uwsgi's logto, agents' own log files, Swift in the journal).
import { requiredDaemons } from '../daemons.ts'
import type { Endpoint, Model } from '../model/types.ts'
import type { Role } from '../role/contract.ts'
import { OpenStackError } from '../openstack/session.ts'
import { KeystoneError } from '../openstack/keystone.ts'
import { hintFor } from './context.ts'
import type { Hint } from './types.ts'

/** The hint for a failing API of a catalog type: its process and log, as its role declares them. */
export function apiHint(model: Model, type: string, fix?: string): Hint {
  const api = (Object.values(model.endpoints) as Endpoint[]).find((e) => e.type === type)
  return hintFor(model, api?.process ?? type, 'control', api?.log ?? 'journalctl -p warning', fix)
}

/** The hint an error implies: the API that answered badly, or Keystone for a token. */
export function hintFromError(model: Model, e: unknown): Hint | undefined {
  if (e instanceof OpenStackError) return apiHint(model, e.service)
  if (e instanceof KeystoneError) return apiHint(model, 'identity')
  return undefined
}

/**
 * A daemon's log, as the role that runs it declares it (`daemons`); for a daemon this
 * cloud does not run, the journal of a unit of that name.
 */
export function daemonLog(ctx: { model: Model; roles: readonly Role[] }, binary: string): string {
  const all = Object.values(requiredDaemons(ctx.model, ctx.roles)).flat()
  return all.find((d) => d.binary === binary)?.log ?? `journalctl -u ${binary}`
}
