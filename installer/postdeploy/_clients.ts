// SPDX-License-Identifier: Apache-2.0
// The API clients post-deploy tasks share: the deploy's admin token, and the demo
// user's own token for what belongs to the demo project (its keypair, network,
// default security group), made once the demo user exists.
import type { Model } from '../model/types.ts'
import { cloud, type Cloud, type Interface } from '../openstack/index.ts'
import { KeystoneClient, KeystoneError } from '../openstack/keystone.ts'
import { demo } from './names.ts'

export interface Clients {
  admin(): Promise<Cloud>
  /** The demo user's APIs; undefined when the user cannot log in yet (check mode before it exists). */
  demo(check: boolean): Promise<Cloud | undefined>
}

export function makeClients(model: Model, admin: () => Promise<KeystoneClient>, iface: Interface): Clients {
  let adminCloud: Cloud | undefined
  let demoCloud: Cloud | undefined
  const opts = { interface: iface, region: model.region }
  return {
    async admin() {
      return (adminCloud ??= cloud(await admin(), opts))
    },
    async demo(check) {
      if (demoCloud) return demoCloud
      try {
        const ks = await KeystoneClient.login({
          authUrl: model.endpoints.keystone.internal,
          username: demo.user,
          password: model.secrets.demo_password,
          projectName: demo.project,
        })
        return (demoCloud = cloud(ks, opts))
      } catch (e) {
        // Only in check mode may the demo user be missing: the demo task would have made it.
        if (check && e instanceof KeystoneError && e.status === 401) return undefined
        throw new Error(`cannot log in as the ${demo.user} user to project ${demo.project}: ${(e as Error).message}`, { cause: e })
      }
    },
  }
}
