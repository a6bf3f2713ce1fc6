#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Deploy figures on real sandbox hosts (needs root; `npm run build` first):
// sandbox host creation, the package-install floor (one apt transaction of the
// all-in-one package set with services held), infra + Keystone first run and
// re-run, the whole all-in-one cloud first run and re-run, and its memory.
//   node bench/deploy.js [--cold] [--only sandbox,floor,keystone,aio,layer,multi] [--keep-logs]
// layer: build the pre-installed layer, then the all-in-one first run on a host made from it.
// multi: clouds of 1, 2 and 4 hosts with OVN (first run, hosts of a phase in parallel), a compute joining
// the 4-host cloud with add-host, and each host's memory (issue 13); about half an hour.
// --cold empties the package cache first, so the first full deploy downloads everything.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { deploy } from '../dist/installer/deploy.js'
import { loadProject } from '../dist/installer/project.js'
import { resolveCloud } from '../dist/installer/plan/resolve.js'
import { HostPackages, packagesTask } from '../dist/installer/tasks/packages.js'
import { connectSsh } from '../dist/installer/transport/ssh.js'
import { createSandbox, destroySandbox, sandboxPaths } from '../dist/installer/sandbox/index.js'
import { stopAptCacher } from '../dist/installer/sandbox/apt-cacher.js'
import { roles } from '../dist/roles/index.js'
import { buildSandboxLayer, removeSandboxLayer, sandboxLayer } from '../dist/installer/commands/layer.js'
import { verifyCloud } from '../dist/installer/verify/index.js'
import { hostMemory } from '../dist/installer/verify/memory.js'
import { cloudStatus, waitUntilHealthy } from '../dist/installer/status.js'
import { addHost } from '../dist/installer/commands/add-host.js'

const args = process.argv.slice(2)
const only = args.includes('--only')
  ? args[args.indexOf('--only') + 1].split(',')
  : ['sandbox', 'floor', 'keystone', 'aio', 'multi', 'layer']
const cold = args.includes('--cold')
const rows = []
const work = mkdtempSync(join(tmpdir(), 'stackhouse-bench-deploy-'))
const made = new Set()
/** Seconds per figure, for the ratios printed at the end. */
const measured = new Map()
const infra = ['mariadb', 'rabbitmq', 'memcached', 'keystone']

/**
 * CPU time this machine spent busy so far, in seconds (every process: the sandbox hosts
 * share this kernel). Against the wall-clock time it says whether a figure is bound by
 * the cores (2 here) or by waiting.
 */
function busyCpuSeconds() {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number)
  return (user + nice + system + irq + softirq + steal) / 100 // USER_HZ
}

async function timed(label, fn) {
  const t = performance.now()
  const cpu = busyCpuSeconds()
  const result = await fn()
  const seconds = (performance.now() - t) / 1000
  const busy = busyCpuSeconds() - cpu
  rows.push({ figure: label, seconds: seconds.toFixed(1), 'CPU busy (s)': busy.toFixed(0) })
  measured.set(label, seconds)
  console.log(`${label}: ${seconds.toFixed(1)} s, CPU busy ${busy.toFixed(0)} s (${(busy / seconds).toFixed(2)} cores on average)`)
  return result
}

/** A sandbox host from the base, so a layer left on the machine cannot turn first runs into re-runs; `layer` only to measure it. */
async function host(name, { layer = false } = {}) {
  const h = await createSandbox(name, { layer })
  made.add(name)
  return h
}

async function drop(name) {
  await destroySandbox(name)
  made.delete(name)
}

function project(h) {
  const dir = mkdtempSync(join(work, `${h.name}-`))
  writeFileSync(
    join(dir, 'inventory.yml'),
    `target: sandbox
hosts: [{ name: ${h.name}, address: ${h.address} }]
groups: { control: [${h.name}], network: [${h.name}], compute: [${h.name}], storage: [${h.name}] }
networks:
  management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1, interface: host0 }
  provider: { cidr: 10.78.0.0/24, gateway: 10.78.0.1, interface: host1, allocation: { start: 10.78.0.100, end: 10.78.0.200 } }
backends: { block_storage: ceph }
`,
  )
  return loadProject({ inventory: join(dir, 'inventory.yml'), createSecrets: true })
}

async function deployed(label, p, opts = {}) {
  const r = await timed(label, () => deploy(p, roles, { renderer: 'silent', ...opts }))
  if (r.failures.length)
    throw new Error(`${label}: ${r.failures.map((f) => `${f.host} ${f.task}: ${f.message}\n${f.stderr ?? ''}`).join('\n')}`)
  console.log(`  ${r.changes.length} changes`)
  return r
}

/** The host's memory as `stackhouse verify` reports it: sum of PSS, and its anonymous part. */
async function memory(h) {
  const t = await connectSsh(
    { host: h.name, address: h.address, port: 22, user: 'root', key: sandboxPaths.key },
    { knownHosts: sandboxPaths.knownHosts },
  )
  const m = await hostMemory(h.name, t)
  await t.close()
  return `${m.pssMiB} (anonymous ${m.anonMiB}, ${m.processes} processes)`
}

async function floor() {
  const h = await host('bench-floor')
  const p = project(h)
  // Every role's packages in one apt transaction, with the deploy's debconf answers and held services.
  const mine = resolveCloud(p.model, roles).hosts[0].roles
  const all = new HostPackages(
    mine.flatMap((r) => r.packages),
    mine.flatMap((r) => r.debconf),
  )
  const task = packagesTask({ role: 'all', packages: all.packages, host: all })
  const t = await connectSsh(
    { host: h.name, address: h.address, port: 22, user: 'root', key: sandboxPaths.key },
    { knownHosts: sandboxPaths.knownHosts },
  )
  await timed(`package-install floor (${task.title}, one apt transaction, services held)`, () =>
    task.apply({ transport: t, host: p.model.hosts[0], check: false, changedFiles: new Set(), log: () => {} }),
  )
  await t.close()
  await drop(h.name)
}

/**
 * A cloud of sandbox hosts with ML2/OVN, as the multi-host integration test deploys it:
 * `groups` maps each group to host keys of `hosts`. Geneve runs over the tunnel network
 * (host2, 10.79.0.0/24): sandbox hosts run OVS's userspace datapath.
 */
/** A sandbox host's address on the tunnel network: its management address's last number, in 10.79.0.0/24. */
const tunnelAddress = (address) => address.replace(/^10\.77\.0\./, '10.79.0.')

function multiProject(name, hosts, groups) {
  const dir = mkdtempSync(join(work, `${name}-`))
  const inventory = join(dir, 'inventory.yml')
  writeFileSync(
    inventory,
    `name: ${name}
target: sandbox
hosts:
${hosts.map((h) => `  - { name: ${h.name}, address: ${h.address}, tunnel_address: ${tunnelAddress(h.address)} }`).join('\n')}
groups: { ${Object.entries(groups)
      .map(([g, members]) => `${g}: [${members.map((m) => m.name).join(', ')}]`)
      .join(', ')} }
networks:
  management: { cidr: 10.77.0.0/24, gateway: 10.77.0.1, interface: host0 }
  tunnel: { cidr: 10.79.0.0/24, interface: host2 }
  provider: { cidr: 10.78.0.0/24, gateway: 10.78.0.1, interface: host1, allocation: { start: 10.78.0.100, end: 10.78.0.200 } }
backends: { network: ovn, block_storage: ceph }
`,
  )
  return { inventory, project: loadProject({ inventory, createSecrets: true }) }
}

async function multi() {
  // 1 host with every group, the same backends: what 2 and 4 hosts are compared with, and the
  // all-in-one's memory with OVN instead of Linux bridge.
  {
    const aio = await host('bench-m1')
    const all = [aio]
    const { project: p } = multiProject('bench1', all, { control: all, network: all, compute: all, storage: all })
    await deployed('1-host deploy, first run (OVN, every group on one host)', p)
    rows.push({ figure: '1-host cloud with OVN: resident memory (sum of PSS, MiB)', seconds: await memory(aio) })
    await drop(aio.name)
  }
  // 2 hosts: a controller that also stores, and a compute.
  {
    const [ctl, cmp] = await Promise.all([host('bench-m2-ctl'), host('bench-m2-cmp')])
    const { project: p } = multiProject('bench2', [ctl, cmp], { control: [ctl], network: [ctl], compute: [cmp], storage: [ctl] })
    await deployed('2-host deploy, first run (control+storage, compute)', p)
    await Promise.all([drop(ctl.name), drop(cmp.name)])
  }
  // 4 hosts: controller, two computes, a storage host; then a third compute joins.
  const four = await Promise.all(['bench-m4-ctl', 'bench-m4-cmp1', 'bench-m4-cmp2', 'bench-m4-sto'].map(host))
  const [ctl, cmp1, cmp2, sto] = four
  const { inventory, project: p } = multiProject('bench4', four, {
    control: [ctl],
    network: [ctl],
    compute: [cmp1, cmp2],
    storage: [sto],
  })
  await deployed('4-host deploy, first run (control, 2 compute, storage)', p)
  await deployed('4-host deploy, re-run (no changes)', p)
  for (const h of four) rows.push({ figure: `4-host cloud: ${h.name} resident memory (sum of PSS, MiB)`, seconds: await memory(h) })
  const cmp3 = await host('bench-m4-cmp3')
  const added = await timed('add-host: a third compute joins the 4-host cloud', () =>
    addHost(
      { inventory },
      { name: cmp3.name, address: cmp3.address, groups: ['compute'], tunnelAddress: tunnelAddress(cmp3.address) },
      roles,
      { renderer: 'silent' },
    ),
  )
  if (added.failures.length) throw new Error(`add-host: ${added.failures.map((f) => `${f.host} ${f.task}: ${f.message}`).join('\n')}`)
  rows.push({ figure: '  units restarted on the hosts already there', seconds: String(added.restartedElsewhere.length) })
  for (const h of [...four, cmp3]) await drop(h.name)
}

try {
  if (only.includes('sandbox')) {
    if (cold) {
      rmSync(sandboxPaths.baseRootfs, { recursive: true, force: true })
      rmSync(`${sandboxPaths.baseRootfs}.json`, { force: true })
      const c = await timed('sandbox host create, COLD (debootstrap of the base)', () => host('bench-sbx-cold'))
      await drop(c.name)
    }
    const h = await timed('sandbox host create (base cached)', () => host('bench-sbx'))
    await timed('sandbox host destroy', () => drop(h.name))
  }
  if (cold && only.includes('aio')) {
    await stopAptCacher()
    rmSync(sandboxPaths.aptCache, { recursive: true, force: true })
    const h = await host('bench-cold')
    await deployed('all-in-one deploy, first run, COLD package cache', project(h))
    await drop(h.name)
  }
  if (only.includes('floor')) await floor()
  if (only.includes('keystone')) {
    const h = await host('bench-ks')
    const p = project(h)
    await deployed('infra + Keystone deploy, first run', p, { only: infra })
    await deployed('infra + Keystone deploy, re-run (no changes)', p, { only: infra })
    await drop(h.name)
  }
  if (only.includes('aio')) {
    const h = await host('bench-aio')
    const p = project(h)
    await deployed('all-in-one deploy, first run, warm package cache', p)
    await deployed('all-in-one deploy, re-run (no changes)', p)
    await deployed('all-in-one deploy --check (no changes)', p, { check: true })
    await timed('status (read-only: units, APIs, services and agents)', () => cloudStatus(p, roles))
    // Straight after a first run the new services still start up beside the re-run; an operator's usual re-run meets a settled cloud.
    await waitUntilHealthy(p, roles, { waitMs: 300_000 })
    await deployed('all-in-one deploy, re-run (no changes) once the cloud is healthy', p)
    rows.push({ figure: 'all-in-one resident memory after deploy (sum of PSS, MiB)', seconds: await memory(h) })
    const passed = await timed('verify (all checks, cleans up)', () => verifyCloud(p))
    if (passed.checks.some((c) => c.status === 'fail')) throw new Error('verify failed')
    rows.push({ figure: 'all-in-one resident memory after verify (sum of PSS, MiB)', seconds: await memory(h) })
    const v = await timed('verify again, keeping its server', () => verifyCloud(p, { keep: true }))
    for (const c of v.checks.filter((x) => ['boot a server (ACTIVE)', 'floating IP answers ping', 'SSH into the server'].includes(x.name)))
      rows.push({ figure: `  ${c.name}${c.status === 'pass' ? '' : ` (${c.status})`}`, seconds: c.seconds.toFixed(1) })
    rows.push({ figure: 'all-in-one resident memory with the verify server running (sum of PSS, MiB)', seconds: await memory(h) })
    await drop(h.name)
  }
  if (only.includes('multi')) await multi()
  if (only.includes('layer')) {
    const had = !!sandboxLayer()
    try {
      await timed('pre-installed layer build (every all-in-one package, on a throwaway host)', () => buildSandboxLayer(roles))
      const h = await host('bench-layer', { layer: true })
      await deployed('all-in-one deploy, first run, host from the pre-installed layer', project(h))
      await drop(h.name)
    } finally {
      // Leave the machine as it was.
      if (!had) removeSandboxLayer()
    }
  }
} finally {
  for (const name of made) await destroySandbox(name).catch(() => {})
  if (args.includes('--keep-logs')) console.log(`projects and their deploy logs kept in ${work}`)
  else rmSync(work, { recursive: true, force: true })
}
// The configuration's cost over the packages: a first deploy against the apt transaction alone (issue 9: ≤ 1.3×).
const floorSeconds = [...measured].find(([k]) => k.startsWith('package-install floor'))?.[1]
const firstRun = measured.get('all-in-one deploy, first run, warm package cache')
if (floorSeconds && firstRun)
  rows.push({ figure: 'all-in-one first run ÷ package-install floor (target ≤ 1.3)', seconds: (firstRun / floorSeconds).toFixed(2) })
const one = measured.get('1-host deploy, first run (OVN, every group on one host)')
const fourHosts = measured.get('4-host deploy, first run (control, 2 compute, storage)')
if (one && fourHosts)
  rows.push({
    figure: '4-host first run ÷ 1-host first run (hosts of a phase in parallel: well under 4)',
    seconds: (fourHosts / one).toFixed(2),
  })
const layered = measured.get('all-in-one deploy, first run, host from the pre-installed layer')
if (layered && firstRun)
  rows.push({ figure: 'all-in-one first run from the layer ÷ from the base (issue 11: ≤ 0.5)', seconds: (layered / firstRun).toFixed(2) })
console.table(rows)
