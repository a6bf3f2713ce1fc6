// SPDX-License-Identifier: Apache-2.0
// The demo user's keypair `demo-key`: Stackhouse makes the private key once and
// keeps it at <stateDir>/demo-key, so verify (and the operator) can SSH into the
// servers booted with it. Nova holds only the public half.
import { changed, ok, type Task } from '../tasks/types.ts'
import type { Clients } from './_clients.ts'
import { demo } from './names.ts'
import { ensureSshKey } from './ssh-key.ts'

/** `type base64` of a public key line, without its comment (Nova keeps the comment as given). */
const keyOf = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(' ')

export function keypairTask(clients: Clients, keyPath: string, comment: string): Task {
  return {
    id: 'post-deploy.keypair',
    title: `keypair ${demo.keypair} of user ${demo.user} (private key ${keyPath})`,
    async apply(ctx) {
      const [key, created] = ensureSshKey(keyPath, comment, ctx.check)
      const done = created ? [`private key ${keyPath}`] : []
      const cloud = await clients.demo(ctx.check)
      if (!cloud || !key) return changed([...done, `keypair ${demo.keypair}`].join(', '))
      const have = await cloud.compute.keypair(demo.keypair)
      if (have && keyOf(have.public_key) === keyOf(key.publicKey)) return done.length ? changed(done.join(', ')) : ok
      // A keypair of that name with another key: ours is the one whose private half we hold.
      done.push(have ? `keypair ${demo.keypair} (replaced: it held another key)` : `keypair ${demo.keypair}`)
      if (!ctx.check) {
        if (have) await cloud.compute.deleteKeypair(demo.keypair)
        await cloud.compute.importKeypair(demo.keypair, key.publicKey)
      }
      return changed(done.join(', '))
    },
  }
}
