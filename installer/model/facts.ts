// SPDX-License-Identifier: Apache-2.0
// Facts about a host that decide what the inventory leaves to the host
// (backends.virt_type: auto), and how they decide it. Pure: gathering and
// recording them is installer/facts.ts.
import type { HostVirtType, Model } from './types.ts'

/** What gatherFacts learns from one host. */
export interface HostFacts {
  /** The CPU has vmx or svm, and /dev/kvm is a read-write device that answers. */
  kvm: boolean
  /**
   * The host is a container (systemd-detect-virt --container): libvirt can make no
   * cgroup per guest there. Missing in facts recorded by earlier versions.
   */
  container?: boolean
  /**
   * Open vSwitch's kernel datapath (the openvswitch module) is loaded or loadable.
   * Missing in facts recorded by earlier versions, and for hosts that run no OVS.
   */
  ovsKernel?: boolean
}

/** Facts by host name, as recorded in the state dir. */
export type Facts = Record<string, HostFacts>

/**
 * libvirt's virt_type on a host: the inventory's, else kvm where KVM is usable and
 * qemu (software emulation) where it is not. NOTE: with no facts recorded, kvm is
 * assumed, as most servers have it; deploy gathers facts before it renders, so only
 * an offline render or plan assumes, and its output says so.
 */
export function resolveVirtType(virtType: Model['backends']['virtType'], facts: HostFacts | undefined): HostVirtType {
  if (virtType !== 'auto') return { type: virtType, from: 'inventory' }
  if (facts) return { type: facts.kvm ? 'kvm' : 'qemu', from: 'host' }
  return { type: 'kvm', from: 'assumed' }
}

/** An OVN chassis (a network or compute host of a cloud with OVN): its Open vSwitch datapath depends on the kernel. */
export function isOvnChassis(model: Model, host: Model['hosts'][number]): boolean {
  return model.backends.network === 'ovn' && host.groups.some((g) => g === 'network' || g === 'compute')
}

/**
 * The model with every host's virt_type, container flag and Open vSwitch datapath
 * decided by these facts; the same model when that changes nothing. NOTE: without
 * facts the kernel datapath is assumed, as servers have it.
 */
export function withFacts(model: Model, facts: Facts): Model {
  const decided = model.hosts.map((h) => resolveVirtType(model.backends.virtType, facts[h.name]))
  const container = model.hosts.map((h) => facts[h.name]?.container === true)
  const netdev = model.hosts.map((h) => isOvnChassis(model, h) && facts[h.name]?.ovsKernel === false)
  const same = decided.every(
    (v, i) =>
      v.type === model.hosts[i]!.virtType.type &&
      v.from === model.hosts[i]!.virtType.from &&
      container[i] === !!model.hosts[i]!.container &&
      netdev[i] === (model.hosts[i]!.ovsDatapath === 'netdev'),
  )
  if (same) return model
  return {
    ...model,
    hosts: model.hosts.map((h, i) => {
      const { container: _c, ovsDatapath: _o, ...rest } = h
      return {
        ...rest,
        virtType: decided[i]!,
        ...(container[i] ? { container: true } : {}),
        ...(netdev[i] ? { ovsDatapath: 'netdev' as const } : {}),
      }
    }),
  }
}
