// SPDX-License-Identifier: Apache-2.0
// The hypervisor half of nova: which driver nova-compute loads, and the packages
// and file that go with it. Kept apart from role.ts because it is the part that
// changes per backend (libvirt kvm/qemu/auto, vCenter).
import type { Model } from '../../installer/model/types.ts'
import type { RoleFile } from '../../installer/render/role.ts'

/**
 * Written as `[libvirt] virt_type` when `backends.virt_type` is `auto`. The deploy
 * engine replaces it on each compute host with {@link resolveVirtType} once it
 * knows whether /dev/kvm is usable there. nova rejects the token itself
 * ("Valid values are [kvm, lxc, qemu, parallels]"), so a file that was never
 * resolved fails loudly instead of silently running guests under emulation.
 */
export const virtTypeToken = '@STACKHOUSE_VIRT_TYPE@'

/** Replace {@link virtTypeToken} in a rendered nova-compute.conf with the detected virt_type. */
export function resolveVirtType(content: string, kvmUsable: boolean): string {
  return content.replaceAll(virtTypeToken, kvmUsable ? 'kvm' : 'qemu')
}

/** Ceph client whose key Cinder's RBD driver uses; libvirt attaches RBD volumes as this user. */
const rbdUser = 'cinder'

/**
 * Debian's `nova-compute` needs one `nova-compute-hypervisor` provider; they
 * conflict with each other and each ships /etc/nova/nova-compute.conf.
 * - kvm and auto: nova-compute-kvm (qemu-system-x86 also runs TCG guests, so
 *   `auto` never needs a package swap after detection).
 * - qemu: nova-compute-qemu.
 * - vmware: nova-compute-ironic. NOTE: it is only the lightest provider (no
 *   libvirtd, no qemu); its nova-compute.conf (Ironic driver, 1.0 RAM ratio) is
 *   replaced by ours. python3-oslo.vmware is not a dependency of python3-nova.
 */
export function computePackages(model: Model): string[] {
  if (model.backends.compute === 'vmware') return ['nova-compute', 'nova-compute-ironic', 'python3-oslo.vmware']
  return ['nova-compute', model.backends.virtType === 'qemu' ? 'nova-compute-qemu' : 'nova-compute-kvm']
}

/** Units of the compute part. libvirtd comes with the libvirt driver's packages. */
export function computeUnits(model: Model): string[] {
  return model.backends.compute === 'vmware' ? ['nova-compute.service'] : ['libvirtd.service', 'nova-compute.service']
}

/**
 * /etc/nova/nova-compute.conf: the driver settings. Debian's nova-compute init
 * script passes it as a second --config-file after nova.conf (so it wins), and no
 * other nova service reads it.
 */
export function computeFile(model: Model): RoleFile {
  return {
    path: '/etc/nova/nova-compute.conf',
    group: 'nova',
    mode: 0o640,
    vars: { libvirt: libvirtVars(model), vmware: vmwareVars(model) },
    notify: ['nova-compute.service'],
  }
}

function libvirtVars(model: Model) {
  if (model.backends.compute !== 'libvirt') return false
  const virtType = model.backends.virtType === 'auto' ? virtTypeToken : model.backends.virtType
  // NOTE: only volumes live in Ceph; instance disks stay local (images_type default),
  // so libvirt needs the client name and the libvirt secret holding its key.
  const rbd = model.backends.blockStorage === 'ceph' && model.services.cinder
    ? { user: rbdUser, secretUuid: model.secrets.libvirt_rbd_secret_uuid }
    : false
  return { virtType, autoDetected: model.backends.virtType === 'auto', rbd }
}

function vmwareVars(model: Model) {
  if (model.backends.compute !== 'vmware') return false
  const vsphere = model.vsphere
  if (!vsphere) throw new Error('backends.compute is vmware but the inventory has no vsphere: section')
  const password = model.secrets.vsphere_password
  if (!password) throw new Error('secret vsphere_password is not set: run `stackhouse secrets set vsphere_password`')
  return {
    hostIp: vsphere.host,
    username: vsphere.username,
    password,
    cluster: vsphere.cluster,
    datastoreRegex: vsphere.datastore,
    insecure: vsphere.insecure,
  }
}
