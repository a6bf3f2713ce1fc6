#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Figures for the test guest image: build time cold (no cached image) and warm (cache
// hit), size, and QEMU start → `=== GUEST READY` under TCG. Needs `npm run build` first.
//   node bench/guest-image.js [--boots N] [--fresh-cache]
// --fresh-cache also times fetching the kernel .deb (apt-get download) into an empty cache.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { bootLocal, buildGuestImage, serveMetadata } from '../dist/installer/guest-image/index.js'

const args = process.argv.slice(2)
const boots = Number(args[args.indexOf('--boots') + 1]) || 3
const work = mkdtempSync(join(tmpdir(), 'stackhouse-bench-guest-'))
const cacheDir = args.includes('--fresh-cache') ? join(work, 'cache') : undefined
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const s = (x) => `${x.toFixed(2)} s`

let pid
process.on('exit', () => {
  // Only the QEMU this script started, by its pid.
  if (pid !== undefined)
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* gone */
    }
  rmSync(work, { recursive: true, force: true })
})

const cold = await buildGuestImage({ outDir: join(work, 'cold'), ...(cacheDir ? { cacheDir } : {}), force: true })
const warm = []
for (let i = 0; i < 3; i++)
  warm.push((await buildGuestImage({ outDir: join(work, `warm${i}`), ...(cacheDir ? { cacheDir } : {}) })).seconds)

// A syntactically valid key nobody holds: the bench only waits for the ready line.
const metadata = await serveMetadata({
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchBenchBenchBenchBenchBenchBenchBenchBen bench',
})
const ready = []
const powerOff = []
for (let i = 0; i < boots; i++) {
  const guest = await bootLocal({ qcow2: cold.qcow2, metadataPort: metadata.port, onSpawn: (p) => (pid = p) })
  ready.push(guest.readySeconds)
  const t0 = performance.now()
  await guest.powerdown(60_000)
  powerOff.push((performance.now() - t0) / 1000)
  pid = undefined
}
await metadata.close()

console.table([
  {
    figure: `build, cold (${cacheDir ? 'empty cache: apt-get download + build' : 'no cached image, cached .deb'})`,
    value: s(cold.seconds),
  },
  { figure: 'build, warm (cache hit, median of 3)', value: s(median(warm)) },
  { figure: 'image size (qcow2)', value: `${(cold.bytes / 2 ** 20).toFixed(1)} MiB` },
  {
    figure: `QEMU start → GUEST READY (TCG, 256 MiB, median of ${boots})`,
    value: `${s(median(ready))} (${ready.map((x) => x.toFixed(1)).join(', ')})`,
  },
  { figure: `ACPI power button → QEMU exit (median of ${boots})`, value: s(median(powerOff)) },
])
console.log(`kernel ${cold.kernel.release}, key ${cold.key}, sha256 ${cold.sha256}`)
