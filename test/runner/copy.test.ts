// SPDX-License-Identifier: Apache-2.0
// Files made on one host and copied by the engine to the others of a role, through
// the real runner against recording hosts: written where they differ, with the
// maker's owner and mode; left alone where current; and no host waits for ever
// when the maker fails or is not in the run. (test/tasks/copy-shell.test.ts runs
// the same commands in a real shell.)
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildPhases } from '../../installer/plan/phases.ts'
import { render } from '../../installer/render/render.ts'
import { defineRole, hostsIn } from '../../installer/role/index.ts'
import { runWithListr } from '../../installer/runner/listr.ts'
import { HostLog, redactor } from '../../installer/runner/log.ts'
import type { Model } from '../../installer/model/types.ts'
import { fixtureModel, testCatalog } from '../helpers.ts'
import { FakeHost } from './fake-host.ts'

const ringFile = '/etc/ring/object.ring.gz'
const rings = defineRole({
  name: 'ring',
  description: 'a ring made on one host and read on all',
  enabled: () => true,
  hosts: (m) => hostsIn(m, 'all'),
  packages: () => [],
  files: () => [],
  units: () => [],
  bootstrap: ({ host }) => [
    ...(host.name === 'ctl1' ? [{ id: 'ring.build', title: 'build the ring', unless: 'ring-is-built', run: 'ring-build' }] : []),
    { id: 'ring.copy', title: 'the ring', copy: { files: [ringFile], from: 'ctl1' } },
  ],
})

const model = (): Model => ({ ...fixtureModel('3-node'), config: {} })

async function run(hosts: Map<string, FakeHost>, opts: { check?: boolean; limit?: string[] } = {}) {
  const m = model()
  const phases = buildPhases(m, [rings], render(m, [rings]), {
    admin: () => Promise.reject(new Error('no keystone here')),
    ...(opts.limit ? { limit: opts.limit } : {}),
  })
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-copy-'))
  const logs = new Map(m.hosts.map((h) => [h.name, new HostLog(dir, h.name, redactor(m.secrets, testCatalog))]))
  return runWithListr(phases, hosts, logs, { check: opts.check ?? false, renderer: 'silent' })
}

/** The 3-node hosts, ctl1 holding the ring it built (root:swift 0640). */
function hosts(): Map<string, FakeHost> {
  const all = new Map(model().hosts.map((h) => [h.name, new FakeHost(h.name, h.address)]))
  all.get('ctl1')!.files.set(ringFile, { content: 'ring v1 \u0000\u00ff', mode: '640', owner: 'root', group: 'swift' })
  return all
}

const outcome = (s: Awaited<ReturnType<typeof run>>, host: string) => s.outcomes.find((o) => o.host === host && o.task === 'ring.copy')

describe('copying files between hosts', () => {
  it("writes the maker's file on every other host, with its owner and mode, and a second run changes nothing", async () => {
    const h = hosts()
    const first = await run(h)
    expect(first.failures).toEqual([])
    // THEN ctl1 only offers it, and cmp1 and cmp2 get the same bytes, owner and mode
    expect(outcome(first, 'ctl1')?.result).toEqual({ status: 'ok' })
    for (const name of ['cmp1', 'cmp2']) {
      expect(outcome(first, name)?.result).toEqual({ status: 'changed', detail: `${ringFile} from ctl1` })
      expect(h.get(name)!.files.get(ringFile)).toEqual(h.get('ctl1')!.files.get(ringFile))
    }
    // AND again: every copy is current, nothing is written
    const writes = () => [...h.values()].flatMap((x) => x.commands.filter((c) => c.includes('base64 -d')))
    const before = writes().length
    const second = await run(h)
    expect(second.failures).toEqual([])
    expect(['ctl1', 'cmp1', 'cmp2'].map((n) => outcome(second, n)?.result.status)).toEqual(['ok', 'ok', 'ok'])
    expect(writes()).toHaveLength(before)
  })

  it('brings a stale copy up to date and leaves a current one alone', async () => {
    const h = hosts()
    await run(h)
    // GIVEN ctl1 rebuilt its ring, and cmp2 holds an older one
    h.get('ctl1')!.files.get(ringFile)!.content = 'ring v2'
    h.get('cmp1')!.files.get(ringFile)!.content = 'ring v2'
    const s = await run(h)
    expect(s.failures).toEqual([])
    expect(outcome(s, 'cmp1')?.result.status).toBe('ok')
    expect(outcome(s, 'cmp2')?.result).toEqual({ status: 'changed', detail: `${ringFile} from ctl1` })
    expect(h.get('cmp2')!.files.get(ringFile)!.content).toBe('ring v2')
  })

  it('says what it would copy under --check, and writes nothing', async () => {
    const h = hosts()
    const s = await run(h, { check: true })
    expect(s.failures).toEqual([])
    expect(outcome(s, 'cmp1')?.result).toEqual({ status: 'changed', detail: `${ringFile} from ctl1` })
    expect(h.get('cmp1')!.files.has(ringFile)).toBe(false)
  })

  it('fails the other hosts at once, naming the maker, when the maker fails before handing the files over', async () => {
    const h = hosts()
    h.get('ctl1')!.failing.set('^ring-is-built$', 'no ring')
    h.get('ctl1')!.failing.set('^ring-build$', 'ring-build: out of disk')
    const s = await run(h)
    expect(s.failures.map((f) => [f.host, f.error.task]).sort()).toEqual([
      ['cmp1', 'ring.copy'],
      ['cmp2', 'ring.copy'],
      ['ctl1', 'ring.build'],
    ])
    expect(s.failures.find((f) => f.host === 'cmp1')!.error.message).toBe(
      'ring.copy: ctl1 ended its ring tasks without handing over the files (it failed: see its log)',
    )
  })

  it('keeps the copies a host has when the maker is not in the run (--limit), and refuses when it has none', async () => {
    const h = hosts()
    const s = await run(h, { limit: ['cmp1'] })
    expect(s.failures.map((f) => [f.host, f.error.message])).toEqual([
      ['cmp1', `${ringFile} come from ctl1, which this run does not include: deploy without --limit, or include ctl1`],
    ])
    expect(h.get('cmp1')!.files.has(ringFile)).toBe(false)
    // GIVEN cmp1 got its copy in a full run THEN a run of cmp1 alone keeps it
    await run(h)
    const again = await run(h, { limit: ['cmp1'] })
    expect(again.failures).toEqual([])
    expect(outcome(again, 'cmp1')?.result).toEqual({ status: 'ok' })
  })
})
