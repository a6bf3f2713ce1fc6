// SPDX-License-Identifier: Apache-2.0
// connectAll with some hosts reachable and some not: each failure is named after
// its own host, and the connections that did open are closed again. connectSsh is
// replaced, since test traffic reaches no real host.
import { noFileCopy } from './fake-host.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { projectPaths } from '../../installer/project.ts'
import { connectAll, ConnectError } from '../../installer/runner/connect.ts'
import type { Transport } from '../../installer/transport/types.ts'
import { fixtureModel } from '../helpers.ts'

const closed: string[] = []

vi.mock('../../installer/transport/ssh.ts', () => ({
  // cmp1 fails with an error connectSsh did not name (not a TransportError); the others connect.
  connectSsh: async (target: { host: string; address: string }): Promise<Transport> => {
    if (target.host === 'cmp1') throw new Error('EACCES: permission denied, open known_hosts')
    return {
      host: target.host,
      address: target.address,
      exec: async () => ({ code: 0, stdout: '', stderr: '' }),
      writeFile: async () => {},
      ...noFileCopy,
      close: async () => void closed.push(target.host),
    }
  },
}))

describe('connectAll', () => {
  it('names the host that failed, not the one at the same place in the list of failures', async () => {
    // GIVEN three hosts where only the second (cmp1) cannot be reached
    const model = { ...fixtureModel('3-node'), target: 'hosts' as const }
    expect(model.hosts.map((h) => h.name)).toEqual(['ctl1', 'cmp1', 'cmp2'])
    const paths = projectPaths({ inventory: join(mkdtempSync(join(tmpdir(), 'stackhouse-connect-')), 'inventory.yml') })
    // WHEN connecting to all of them
    const error = await connectAll(model.hosts, paths, {}).catch((e: unknown) => e)
    // THEN the one failure is cmp1's, with its address and the cause kept
    expect(error).toBeInstanceOf(ConnectError)
    const [failure, ...others] = (error as ConnectError).errors
    expect(others).toEqual([])
    const cmp1 = model.hosts[1]!
    expect(failure).toMatchObject({ host: 'cmp1', address: cmp1.address, reason: 'unreachable', kind: 'hosts' })
    expect(failure!.message).toBe(`host cmp1 (${cmp1.address}): cannot connect: EACCES: permission denied, open known_hosts`)
    expect((failure!.cause as Error).message).toContain('EACCES')
    // AND the hosts that did connect are closed again: nothing runs on a partial set
    expect(closed.sort()).toEqual(['cmp2', 'ctl1'])
  })
})
