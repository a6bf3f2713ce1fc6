#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Appliance figures (needs root; `npm run build` first): the image build with a warm
// package cache (the layer built first if missing, and timed apart), the qcow2 and
// OVA sizes, first boot to Ready with the disk's root under systemd-nspawn, and a
// hard power cut (SIGKILL) to Ready again. Targets (issue 11, 2-core machine):
// OVA ≤ 1.5 GB, first boot ≤ 5 min, power cut ≤ 2 min.
//   node bench/appliance.js [--keep]   (--keep: leave the images in the work folder)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { buildSandboxLayer, sandboxLayer } from '../dist/installer/commands/layer.js'
import { buildAppliance } from '../dist/appliance/build/build.js'
import { bootApplianceSandbox, cutPower, mountImageRoot, unmountImageRoot, waitForApplianceSettled } from '../dist/appliance/sandbox.js'
import { destroySandbox, sandboxPaths, startSandbox } from '../dist/installer/sandbox/index.js'
import { readRecord } from '../dist/installer/sandbox/state.js'
import { roles } from '../dist/roles/index.js'

const keep = process.argv.includes('--keep')
const work = mkdtempSync('/var/tmp/stackhouse-bench-appliance-')
const name = 'bench-appliance'
const rows = []
const row = (figure, value, target = '') => {
  rows.push({ figure, value, target })
  console.log(`${figure}: ${value}${target ? ` (target ${target})` : ''}`)
}
const since = (t) => (performance.now() - t) / 1000

try {
  if (!sandboxLayer()) {
    const t = performance.now()
    await buildSandboxLayer(roles)
    row('pre-installed layer build (missing, built first)', `${since(t).toFixed(0)} s`)
  }
  const t = performance.now()
  const build = await buildAppliance({ outDir: join(work, 'out'), roles, keepRaw: true })
  row('appliance build, warm package cache and layer (qcow2 + OVA)', `${since(t).toFixed(0)} s`)
  row('  of which the build host (kernel, GRUB, Node.js, guest tools)', `${build.seconds.host} s`)
  row('  of which the disk (mke2fs -d, GRUB)', `${build.seconds.disk} s`)
  row('  of which the images (qcow2 -c and streamOptimized VMDK, in parallel)', `${build.seconds.images} s`)
  const gb = (n) => `${(n / 1e9).toFixed(2)} GB`
  row('root file system', gb(build.bytes.root))
  row('qcow2 (compressed)', gb(build.bytes.qcow2))
  row('OVA', gb(build.bytes.ova), '≤ 1.5 GB')

  const root = join(work, 'root')
  await mountImageRoot(build.raw, root)
  try {
    const key = readFileSync(`${sandboxPaths.key}.pub`, 'utf8').trim()
    const t1 = performance.now()
    const h = await bootApplianceSandbox(name, {
      root,
      address: '10.77.0.31',
      settings: {
        'network.mode': 'static',
        'network.address': '10.77.0.31/24',
        'network.gateway': '10.77.0.1',
        'cloud.floating_range': '10.77.0.150-10.77.0.199',
        ssh_key: key,
      },
    })
    const first = await waitForApplianceSettled(h, 30 * 60_000)
    row(
      'first boot to Ready (nspawn: boot, settings, deploy, verify)',
      first?.state === 'ready' ? `${since(t1).toFixed(0)} s` : `not ready: ${JSON.stringify(first)}`,
      '≤ 300 s',
    )
    if (first?.state === 'ready') {
      await cutPower(name)
      const t2 = performance.now()
      await startSandbox([name])
      const back = await waitForApplianceSettled(h, 15 * 60_000)
      row(
        'hard power cut to Ready (no deploy)',
        back?.state === 'ready' ? `${since(t2).toFixed(0)} s` : `not ready: ${JSON.stringify(back)}`,
        '≤ 120 s',
      )
    }
  } finally {
    if (readRecord(name)) await destroySandbox(name)
    await unmountImageRoot(root)
  }
} finally {
  if (keep) console.log(`images kept in ${work}/out`)
  else rmSync(work, { recursive: true, force: true })
}
console.log('')
console.table(rows)
