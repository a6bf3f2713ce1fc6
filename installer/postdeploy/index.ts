// SPDX-License-Identifier: Apache-2.0
// Post-deploy: what makes a fresh cloud usable at once (Kolla's init-runonce,
// DevStack's defaults): flavors, a demo project and user, the external network,
// a demo network and router, ping and SSH in the default security group, a
// keypair and a tiny test image. Each step is a Task that looks first, so a
// second deploy reports no changes. They run from the deployer, through the API.
import { join } from 'node:path'
import { buildGuestImage } from '../guest-image/index.ts'
import { imageName } from '../guest-image/cache.ts'
import type { Model } from '../model/types.ts'
import type { Interface } from '../openstack/session.ts'
import type { KeystoneClient } from '../openstack/keystone.ts'
import type { Phase } from '../tasks/types.ts'
import { keystoneTask } from '../tasks/keystone.ts'
import type { Task } from '../tasks/types.ts'
import { makeClients } from './_clients.ts'
import { flavorsTask } from './flavors.ts'
import { guestImageTask, type GuestImageSource } from './image.ts'
import { keypairTask } from './keypair.ts'
import { demo, demoKeyPath } from './names.ts'
import { demoNetworkTask, publicNetworkTask } from './networks.ts'
import { securityGroupTask } from './security-group.ts'

export { demo, demoKeyPath, flavors, guestImageName, publicNet } from './names.ts'
export { ensureSshKey, type SshKey } from './ssh-key.ts'
export type { GuestImageSource } from './image.ts'

export interface PostDeployOptions {
  /** The project's state folder: the demo key is kept there, the guest image copied there. */
  stateDir: string
  /** Endpoints used from the deployer, like the admin token's. @default 'internal' */
  interface?: Interface
  /** Where the guest image comes from. @default built with buildGuestImage into <stateDir>/guest-image */
  guestImage?: GuestImageSource
}

/** The post-deploy phase; its tasks run on the first control host's entry, but talk to the APIs from here. */
export function postDeployPhase(model: Model, admin: () => Promise<KeystoneClient>, opts: PostDeployOptions): Phase {
  const host = model.hosts.find((h) => h.name === model.groups.control?.[0]) ?? model.hosts[0]!
  return {
    id: 'post-deploy',
    title: 'flavors, demo project, networks, keypair, test image',
    hosts: [{ host, tasks: postDeployTasks(model, admin, opts) }],
  }
}

/** The tasks of the phase, in order: the demo user first, since later ones log in as it. */
export function postDeployTasks(model: Model, admin: () => Promise<KeystoneClient>, opts: PostDeployOptions): Task[] {
  const clients = makeClients(model, admin, opts.interface ?? 'internal')
  const demoUser = keystoneTask(
    {
      role: 'post-deploy',
      projects: [demo.project],
      user: { name: demo.user, password: model.secrets.demo_password, project: demo.project, roles: [demo.role] },
    },
    admin,
    model.endpoints.keystone.internal,
  )
  const provider = model.networks.provider
  return [
    flavorsTask(clients),
    { ...demoUser, id: 'post-deploy.demo-project', title: `project ${demo.project}, user ${demo.user} (role ${demo.role})` },
    ...(provider ? [publicNetworkTask(clients, provider)] : []),
    demoNetworkTask(clients, model),
    securityGroupTask(clients),
    keypairTask(clients, demoKeyPath(opts.stateDir), `${demo.user}@${model.name}`),
    guestImageTask(clients, opts.guestImage ?? defaultGuestImage(opts.stateDir)),
  ]
}

function defaultGuestImage(stateDir: string): GuestImageSource {
  const outDir = join(stateDir, 'guest-image')
  return {
    existing: join(outDir, imageName),
    build: async () => ({ path: (await buildGuestImage({ outDir })).qcow2 }),
  }
}
