#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Benchmarks that print figures. Run with `npm run bench` (builds dist/ first).
// Target (issue 2): validate + render of a 200-host inventory under 1 s.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const t0 = performance.now()
const { loadProject, render } = await import('../dist/installer/index.js')
const { roles } = await import('../dist/roles/index.js')
const loadMs = performance.now() - t0

/** An inventory of n hosts: 3 controllers, 2 network nodes, the rest compute, every 10th also storage. */
function inventory(n) {
  const hosts = Array.from({ length: n }, (_, i) => ({ name: `node${String(i + 1).padStart(3, '0')}`, address: `10.0.${Math.floor((i + 11) / 250)}.${((i + 11) % 250) + 1}` }))
  const names = hosts.map((h) => h.name)
  const compute = names.slice(5)
  return `name: bench
hosts:
${hosts.map((h) => `  - { name: ${h.name}, address: ${h.address} }`).join('\n')}
groups:
  control: [${names.slice(0, 3).join(', ')}]
  network: [${names.slice(3, 5).join(', ')}]
  compute: [${compute.join(', ')}]
  storage: [${compute.filter((_, i) => i % 10 === 0).join(', ')}]
networks:
  management: { cidr: 10.0.0.0/16, interface: eth0 }
  provider: { cidr: 203.0.113.0/24, gateway: 203.0.113.1, interface: eth1, allocation: { start: 203.0.113.10, end: 203.0.113.250 } }
backends: { network: linuxbridge, block_storage: ceph }
`
}

function once(file, secrets) {
  const start = performance.now()
  const project = loadProject({ inventory: file, secrets, overrides: join(file, '..', 'none') })
  const validated = performance.now()
  const files = render(project.model, roles, project.overrides)
  const end = performance.now()
  return { validateMs: validated - start, renderMs: end - validated, totalMs: end - start, files: files.length, bytes: files.reduce((n, f) => n + f.content.length, 0) }
}

const dir = mkdtempSync(join(tmpdir(), 'stackhouse-bench-'))
const rows = []
for (const n of [10, 50, 200]) {
  const file = join(dir, `inv-${n}.yml`)
  writeFileSync(file, inventory(n))
  const secrets = join(dir, `secrets-${n}.yaml`)
  const cold = once(file, secrets)
  const warm = Array.from({ length: 5 }, () => once(file, secrets))
  const median = warm.map((r) => r.totalMs).sort((a, b) => a - b)[2]
  rows.push({ hosts: n, files: cold.files, MiB: (cold.bytes / 2 ** 20).toFixed(2), 'validate ms (cold)': cold.validateMs.toFixed(1), 'render ms (cold)': cold.renderMs.toFixed(1), 'total ms (cold)': cold.totalMs.toFixed(1), 'total ms (warm, median of 5)': median.toFixed(1) })
}
console.log(`module load: ${loadMs.toFixed(1)} ms`)
console.table(rows)
const big = rows.at(-1)
const verdict = Number(big['total ms (cold)']) < 1000 ? 'PASS' : 'FAIL'
console.log(`validate+render, 200 hosts: ${big['total ms (cold)']} ms cold, ${big['total ms (warm, median of 5)']} ms warm (target < 1000 ms): ${verdict}`)
console.log(`peak RSS: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`)
