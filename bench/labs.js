#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Lab figures on a real cloud (needs root; `npm run build` first): `lab test` time
// for each lab, making the students of a class of 10 and of 30 (projects, users,
// roles: what a class needs before anyone logs in), and check latency (every step's
// check of a solved lab, 20 times: median and p95; the target is p95 ≤ 2 s).
//   node bench/labs.js              a sandbox host from the pre-installed layer, deployed, then removed
//   node bench/labs.js -i inv.yml   a cloud that is already deployed
//   node bench/labs.js --builtin    the built-in cloud `stackhouse deploy` made
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { deploy } from '../dist/installer/deploy.js'
import { loadProject } from '../dist/installer/project.js'
import { openProject } from '../dist/installer/commands/open.js'
import { createClass } from '../dist/installer/labs/class.js'
import { createSandbox, destroySandbox } from '../dist/installer/sandbox/index.js'
import { Classroom } from '../dist/installer/labs/classroom.js'
import { loadLabs } from '../dist/installer/labs/load.js'
import { LabRunner } from '../dist/installer/labs/runner.js'
import { testLab } from '../dist/installer/labs/self-test.js'
import { roles } from '../dist/roles/index.js'

const args = process.argv.slice(2)
const inventory = args.includes('-i') ? args[args.indexOf('-i') + 1] : undefined
const builtin = args.includes('--builtin')
const name = 'bench-labs'
const rows = []

function row(figure, value) {
  rows.push({ figure, value })
  console.log(`${figure}: ${value}`)
}

const pct = (xs, p) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]

async function cloud() {
  if (inventory) return loadProject({ inventory })
  if (builtin) return openProject({})
  const h = await createSandbox(name)
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-bench-labs-'))
  writeFileSync(
    join(dir, 'inventory.yml'),
    `name: benchlabs
target: sandbox
hosts: [{ name: ${name}, address: ${h.address} }]
groups: { control: [${name}], network: [${name}], compute: [${name}], storage: [${name}] }
networks:
  management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1, interface: host0 }
  provider: { cidr: 10.78.0.0/24, gateway: 10.78.0.1, interface: host1, allocation: { start: 10.78.0.100, end: 10.78.0.200 } }
backends: { network: linuxbridge, block_storage: ceph, virt_type: auto }
`,
  )
  const project = loadProject({ inventory: join(dir, 'inventory.yml'), createSecrets: true })
  const t = performance.now()
  const r = await deploy(project, roles, { renderer: 'silent' })
  if (r.failures.length) throw new Error(`deploy failed: ${r.failures.map((f) => `${f.task}: ${f.message}`).join('; ')}`)
  console.log(`(cloud deployed from the layer in ${((performance.now() - t) / 1000).toFixed(0)} s)`)
  return project
}

async function main() {
  const project = await cloud()
  const labs = await loadLabs()
  for (const lab of labs) {
    const r = await testLab(project, lab)
    row(`lab test ${lab.file.id}`, r.ok ? `${r.seconds.toFixed(1)} s` : `FAILED: ${r.problem}`)
  }
  for (const size of [10, 30]) {
    const classId = `b${size}${Date.now().toString(36).slice(-4)}`
    // What `class create` does: projects, users, roles, quotas, the sheet.
    const sheet = await createClass(project, classId, size)
    row(`class of ${size}: created`, `${sheet.seconds.toFixed(1)} s`)
    const room = new Classroom(project, classId)
    for (const s of sheet.students) await room.removeStudent((await new LabRunner(labs[0], room, s.number).ctx()).student)
  }
  // Check latency: each lab solved for one student, then every step's check 20 times.
  const times = []
  const room = new Classroom(project, `l${Date.now().toString(36).slice(-6)}`)
  for (const lab of labs) {
    const r = new LabRunner(lab, room, 1)
    try {
      await r.start()
      await r.solve(lab.file.steps.at(-1).id)
      for (const step of lab.file.steps) {
        for (let i = 0; i < 60 && (await r.runCheck(step)).status === 'waiting'; i++) await new Promise((res) => setTimeout(res, 3000))
        for (let i = 0; i < 20; i++) {
          const t = performance.now()
          await r.runCheck(step)
          times.push(performance.now() - t)
        }
      }
    } finally {
      await r.cleanup()
    }
  }
  await room.removeStudent((await new LabRunner(labs[0], room, 1).ctx()).student)
  row(
    `check latency (${times.length} checks)`,
    `median ${(pct([...times], 50) / 1000).toFixed(2)} s, p95 ${(pct([...times], 95) / 1000).toFixed(2)} s`,
  )
  console.table(rows)
}

try {
  await main()
} finally {
  if (!inventory && !builtin) await destroySandbox(name).catch(() => {})
}
