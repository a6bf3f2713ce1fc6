// SPDX-License-Identifier: Apache-2.0
// vSphere import figures against govmomi's simulator (test/vsphere/simulator.ts): the
// time to import an OVA whose disk holds 1 GiB of incompressible data, its upload
// throughput, and the fixed cost of an import (a 4 MiB disk). The simulator discards
// what it receives, so this measures our client (reading the OVA, streaming, the
// lease), not a datastore.
//   npm run bench:vsphere            (STACKHOUSE_BENCH_MB=256 for a smaller disk)
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { it } from 'vitest'
import { readOva } from '../appliance/ova/read.ts'
import { importOvf } from '../installer/vsphere/import.ts'
import { resolvePlacement } from '../installer/vsphere/placement.ts'
import { destroyVm } from '../installer/vsphere/vm.ts'
import { startSimulator } from '../test/vsphere/simulator.ts'
import { testOva } from '../test/vsphere/test-ova.ts'

const mib = Number(process.env.STACKHOUSE_BENCH_MB ?? 1024)

it('vSphere import figures', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackhouse-bench-vsphere-'))
  const sim = await startSimulator()
  const s = await sim.session()
  try {
    const placement = await resolvePlacement(s, { cluster: 'DC0_C0', datastore: 'LocalDS_0', network: 'VM Network' })
    const rows: { figure: string; value: string }[] = []
    for (const [name, size] of [
      ['small', 4],
      ['big', mib],
    ] as const) {
      const file = await testOva(dir, name, size, 'random')
      const source = readOva(file)
      const t = performance.now()
      const vm = await importOvf(s, { ...source, vmName: `bench-${name}`, properties: {}, placement })
      const seconds = (performance.now() - t) / 1000
      const bytes = source.disks.reduce((n, d) => n + d.size, 0)
      rows.push({
        figure: `import of an OVA with ${size} MiB of data (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB file)`,
        value: `${seconds.toFixed(2)} s`,
      })
      if (name === 'big') rows.push({ figure: '  upload throughput', value: `${(bytes / 2 ** 20 / seconds).toFixed(0)} MiB/s` })
      await destroyVm(s, vm)
      rmSync(file)
    }
    console.table(rows)
  } finally {
    await s.logout()
    await sim.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}, 1_800_000)
