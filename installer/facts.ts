// SPDX-License-Identifier: Apache-2.0
// Facts the deployer reads from hosts before it renders (is KVM usable?): one
// command per host, over the deploy's own connections, recorded in the state dir
// so an offline `render` or `plan` shows the values the last deploy used.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FixableError } from './errors.ts'
import { isOvnChassis, type Facts, type HostFacts } from './model/facts.ts'
import type { Model } from './model/types.ts'
import { sh } from './shell.ts'
import type { Transport } from './transport/types.ts'

/**
 * Prints `kvm=yes` when the CPU has hardware virtualisation (vmx/svm, what kvm-ok
 * checks) and /dev/kvm is a read-write device that answers KVM_GET_API_VERSION
 * (ioctl 0xAE00), else `kvm=no`. NOTE: /dev/kvm alone is not enough: a paravirtual
 * KVM (kvm_pvm, in some cloud VMs) offers the device but pauses ordinary guests
 * with "KVM internal error … emulation failure". The ioctl needs python3, which a
 * minimal Debian may not have before the packages are in; without it the device
 * test stands alone. Then `container=yes|no`, and `ovs=kernel|userspace`: whether
 * Open vSwitch's kernel datapath is loaded or loadable. A container always gets the
 * userspace datapath: it can load no module (geneve, say), and it sees the machine's
 * /sys/module, where an openvswitch the machine loaded for itself shows.
 */
export const factsCommand = sh`if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && { ! command -v python3 >/dev/null || python3 -c ${'import fcntl, os; fcntl.ioctl(os.open("/dev/kvm", os.O_RDWR), 0xAE00)'} 2>/dev/null; }; then echo kvm=yes; else echo kvm=no; fi; if systemd-detect-virt --container --quiet 2>/dev/null; then c=yes; else c=no; fi; echo "container=$c"; if [ "$c" = no ] && { [ -d /sys/module/openvswitch ] || modinfo openvswitch >/dev/null 2>&1; }; then echo ovs=kernel; else echo ovs=userspace; fi`

/** The facts in factsCommand's output; undefined when it is not that output. */
export function parseFacts(stdout: string): HostFacts | undefined {
  const m = /^kvm=(yes|no)$/m.exec(stdout)
  const c = /^container=(yes|no)$/m.exec(stdout)
  const o = /^ovs=(kernel|userspace)$/m.exec(stdout)
  if (!m) return undefined
  return { kvm: m[1] === 'yes', ...(c ? { container: c[1] === 'yes' } : {}), ...(o ? { ovsKernel: o[1] === 'kernel' } : {}) }
}

/**
 * Hosts whose facts decide something: compute hosts, when libvirt's virt_type is
 * `auto`; OVN chassis (network and compute hosts), whose Open vSwitch datapath
 * depends on the kernel.
 */
export function factHosts(model: Model): string[] {
  const auto = model.backends.compute === 'libvirt' && model.backends.virtType === 'auto'
  return model.hosts.filter((h) => (auto && h.groups.includes('compute')) || isOvnChassis(model, h)).map((h) => h.name)
}

const factsFile = (stateDir: string) => join(stateDir, 'facts.json')

/** The facts the last deploy recorded; none for a host whose entry is missing or unreadable. */
export function readFacts(stateDir: string): Facts {
  let data: unknown
  try {
    data = existsSync(factsFile(stateDir)) ? JSON.parse(readFileSync(factsFile(stateDir), 'utf8')) : {}
  } catch {
    return {}
  }
  if (!data || typeof data !== 'object') return {}
  const entries = Object.entries(data as Record<string, unknown>).filter(
    ([, f]) => typeof (f as Partial<HostFacts> | null)?.kvm === 'boolean',
  )
  const flag = (f: unknown, key: 'container' | 'ovsKernel') =>
    typeof (f as Record<string, unknown>)[key] === 'boolean' ? { [key]: (f as Record<string, boolean>)[key] } : {}
  return Object.fromEntries(entries.map(([h, f]) => [h, { kvm: (f as HostFacts).kvm, ...flag(f, 'container'), ...flag(f, 'ovsKernel') }]))
}

function recordFacts(stateDir: string, facts: Facts): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 })
  const file = factsFile(stateDir)
  const sorted = Object.fromEntries(Object.entries(facts).sort(([a], [b]) => a.localeCompare(b)))
  writeFileSync(`${file}.tmp`, `${JSON.stringify(sorted, null, 2)}\n`, { mode: 0o600 })
  renameSync(`${file}.tmp`, file)
}

/**
 * Read the facts of the hosts that need them and have a connection (one command
 * each, all at once), record them over the ones already recorded, and return them
 * all. Throws, naming the host, when one answers something else.
 */
export async function gatherFacts(model: Model, transports: ReadonlyMap<string, Transport>, stateDir: string): Promise<Facts> {
  const known = readFacts(stateDir)
  const reached = factHosts(model).filter((h) => transports.has(h))
  if (!reached.length) return known
  const answers = await Promise.all(reached.map(async (h) => [h, await transports.get(h)!.exec(factsCommand)] as const))
  const gathered: Facts = {}
  for (const [host, r] of answers) {
    const facts = r.code === 0 ? parseFacts(r.stdout) : undefined
    if (!facts) {
      throw new FixableError(
        `host ${host}: could not read its facts (is KVM usable? is it a container? has its kernel Open vSwitch's datapath?) (exit code ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]}` : ''})`,
        {
          fix: 'the facts command is POSIX shell run as the SSH user: run it by hand on the host to see why it fails; with backends.virt_type set to kvm or qemu (and network: linuxbridge) no facts are read',
        },
      )
    }
    gathered[host] = facts
  }
  const all = { ...known, ...gathered }
  recordFacts(stateDir, all)
  return all
}
