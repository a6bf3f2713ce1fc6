// SPDX-License-Identifier: Apache-2.0
// The cloud's APIs as its admin, on the internal endpoints: how status reads the
// daemons' reports and remove-host deletes a host's records.
import type { Model } from './model/types.ts'
import { cloud, KeystoneClient, type Cloud } from './openstack/index.ts'

export async function adminCloud(model: Model, timeoutMs?: number): Promise<Cloud> {
  const ks = await KeystoneClient.login(
    { authUrl: model.endpoints.keystone.internal, username: 'admin', password: model.secrets.admin_password, projectName: 'admin' },
    timeoutMs,
  )
  return cloud(ks, { interface: 'internal', region: model.region, ...(timeoutMs !== undefined ? { timeoutMs } : {}) })
}
