#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Benchmarks that print figures. Run with `npm run bench` (builds dist/ first).
// Targets: validate + render of a 200-host inventory under 1 s (issue 2); validate +
// plan + render of 2,000 hosts under 5 s, growing linearly with the hosts (issue 8).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const t0 = performance.now()
const { loadProject, render, planHosts } = await import('../dist/installer/index.js')
const { buildPhases } = await import('../dist/installer/plan/phases.js')
const { roles } = await import('../dist/roles/index.js')
const loadMs = performance.now() - t0

/** An inventory of n hosts: 3 controllers, 2 network nodes, the rest compute, every 10th also storage. */
function inventory(n) {
  const hosts = Array.from({ length: n }, (_, i) => ({
    name: `node${String(i + 1).padStart(4, '0')}`,
    address: `10.0.${Math.floor((i + 11) / 250)}.${((i + 11) % 250) + 1}`,
  }))
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
  const project = loadProject({ inventory: file, secrets, overrides: join(file, '..', 'none'), createSecrets: true })
  const validated = performance.now()
  const files = render(project.model, roles, project.overrides)
  const end = performance.now()
  return {
    validateMs: validated - start,
    renderMs: end - validated,
    totalMs: end - start,
    files: files.length,
    bytes: files.reduce((n, f) => n + f.content.length, 0),
    project,
    files,
  }
}

/** What `plan` and `deploy` build before touching a host: the per-host plan and every phase's tasks. */
function planOnce(project, files) {
  const start = performance.now()
  planHosts(project.model, roles, project.overrides)
  buildPhases(project.model, roles, files, { admin: () => Promise.reject(new Error('no Keystone in a benchmark')) })
  return performance.now() - start
}

const dir = mkdtempSync(join(tmpdir(), 'stackhouse-bench-'))
const rows = []
for (const n of [10, 50, 200, 500, 1000, 2000]) {
  const file = join(dir, `inv-${n}.yml`)
  writeFileSync(file, inventory(n))
  const secrets = join(dir, `secrets-${n}.yaml`)
  const cold = once(file, secrets)
  const planMs = planOnce(cold.project, cold.files)
  const warm = Array.from({ length: n > 200 ? 1 : 5 }, () => once(file, secrets))
  const median = warm.map((r) => r.totalMs).sort((a, b) => a - b)[Math.floor(warm.length / 2)]
  rows.push({
    hosts: n,
    files: cold.files.length,
    MiB: (cold.bytes / 2 ** 20).toFixed(2),
    'validate ms': cold.validateMs.toFixed(0),
    'render ms': cold.renderMs.toFixed(0),
    'plan ms': planMs.toFixed(0),
    'validate+render+plan ms': (cold.totalMs + planMs).toFixed(0),
    'per host ms': ((cold.totalMs + planMs) / n).toFixed(2),
    'validate+render ms (warm)': median.toFixed(0),
  })
}
console.log(`module load: ${loadMs.toFixed(1)} ms`)
console.table(rows)
const at = (n) => rows.find((r) => r.hosts === n)
const r200 = at(200)
console.log(
  `validate+render, 200 hosts: ${Number(r200['validate ms']) + Number(r200['render ms'])} ms cold, ${r200['validate+render ms (warm)']} ms warm (target < 1000 ms): ${Number(r200['validate ms']) + Number(r200['render ms']) < 1000 ? 'PASS' : 'FAIL'}`,
)
const r2000 = at(2000)
console.log(
  `validate+render+plan, 2,000 hosts: ${r2000['validate+render+plan ms']} ms (target < 5000 ms): ${Number(r2000['validate+render+plan ms']) < 5000 ? 'PASS' : 'FAIL'}`,
)
console.log(`per host: ${at(500)['per host ms']} ms at 500 hosts, ${r2000['per host ms']} ms at 2,000 (linear growth keeps these close)`)
console.log(`peak RSS: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`)
