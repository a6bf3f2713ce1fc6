// SPDX-License-Identifier: Apache-2.0
// Names of what post-deploy makes, which verify (and the labs) use by name.
import { join } from 'node:path'

/** The resources every Stackhouse cloud has after deploy, as Kolla's init-runonce and DevStack name them. */
export const demo = {
  project: 'demo',
  user: 'demo',
  role: 'member',
  network: 'demo-net',
  subnet: 'demo-subnet',
  cidr: '192.168.100.0/24',
  router: 'demo-router',
  keypair: 'demo-key',
  securityGroup: 'default',
} as const

export const publicNet = { network: 'public', subnet: 'public-subnet' } as const

/** The test guest in Glance (installer/guest-image). */
export const guestImageName = 'stackhouse-tiny'

/** The flavors made, smallest first; m1.tiny fits the test guest. */
export const flavors = [
  { name: 'm1.tiny', vcpus: 1, ram: 256, disk: 1 },
  { name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
  { name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40 },
  { name: 'm1.large', vcpus: 4, ram: 8192, disk: 80 },
] as const

/** Private key of the demo keypair, made once per project (0600). */
export const demoKeyPath = (stateDir: string): string => join(stateDir, 'demo-key')
