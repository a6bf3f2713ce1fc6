// SPDX-License-Identifier: Apache-2.0
// The integration files run one at a time, in this order. The appliance test comes
// first: its build leaves the pre-installed layer, and the sandbox hosts made after it
// start from that layer, as a user's do once one exists (the README's first command).
// Packages from the base are still installed: by the layer build itself, by the files
// that ask for no layer (keystone, interrupted, sandbox), and on the compute host the
// multi-host test adds with add-host.
import { BaseSequencer, type TestSpecification } from 'vitest/node'

export const integrationOrder = [
  'appliance',
  'aio',
  'multi-host',
  'keystone',
  'interrupted',
  'preflight',
  'sandbox',
  'bridge',
  'guest-image',
]

const rank = (spec: TestSpecification): number => {
  if (spec.project.name !== 'integration') return -1
  const file = /([^/]+)\.test\.ts$/.exec(spec.moduleId)?.[1] ?? ''
  const i = integrationOrder.indexOf(file)
  return i === -1 ? integrationOrder.length : i
}

export class IntegrationOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Array.prototype.sort is stable: the unit files keep vitest's own order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b))
  }
}
