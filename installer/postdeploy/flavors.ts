// SPDX-License-Identifier: Apache-2.0
// The m1.* flavors (Kolla's init-runonce, DevStack): made when missing. A flavor
// of the same name but another size is left alone and logged, since flavors
// cannot change and deleting one in use would break its servers' resizes.
import { changed, ok, type Task } from '../tasks/types.ts'
import type { Clients } from './_clients.ts'
import { flavors } from './names.ts'

export function flavorsTask(clients: Clients): Task {
  return {
    id: 'post-deploy.flavors',
    title: `flavors ${flavors.map((f) => f.name).join(', ')}`,
    async apply(ctx) {
      const { compute } = await clients.admin()
      const have = await compute.flavors()
      const made: string[] = []
      for (const want of flavors) {
        const found = have.find((f) => f.name === want.name)
        if (found) {
          if (found.vcpus !== want.vcpus || found.ram !== want.ram || found.disk !== want.disk) {
            ctx.log(
              `flavor ${want.name} exists with ${found.vcpus} vCPU, ${found.ram} MB, ${found.disk} GB (not ${want.vcpus}, ${want.ram}, ${want.disk}): left as it is`,
            )
          }
          continue
        }
        if (!ctx.check) await compute.createFlavor({ ...want, isPublic: true })
        made.push(want.name)
      }
      return made.length ? changed(`flavor ${made.join(', ')}`) : ok
    },
  }
}
