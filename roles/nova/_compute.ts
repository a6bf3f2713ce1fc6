// SPDX-License-Identifier: Apache-2.0
// The hypervisor half of nova: which driver nova-compute loads, and the packages
// and file that go with it. Kept apart from role.ts because it is the part that
// changes per backend (libvirt kvm/qemu/auto, vCenter).
import { vsphereSettings, type Model, type RoleFile } from '../../installer/role/index.ts'

/**
 * Where step `nova.virt-type` writes `[libvirt] virt_type` when `backends.virt_type`
 * is `auto`: the value depends on the host (is /dev/kvm usable?), so it cannot be
 * part of a rendered file. NOTE: oslo.config reads /etc/nova/nova-compute.conf.d/*.conf
 * for nova-compute as a default config dir, before the --config-file options, so
 * nova.conf and nova-compute.conf must not set virt_type themselves (later files win;
 * oslo_config/cfg.py `_parse_config_files`).
 */
export const virtTypeFile = '/etc/nova/nova-compute.conf.d/virt-type.conf'

/** Ceph client whose key Cinder's RBD driver uses; libvirt attaches RBD volumes as this user. */
export const rbdUser = 'cinder'

/** Whether libvirt attaches Cinder volumes from Ceph (and so needs the client's key as a libvirt secret). */
export function attachesRbd(model: Model): boolean {
  return model.backends.compute === 'libvirt' && model.backends.blockStorage === 'ceph' && model.services.cinder
}

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
  // NOTE: nova builds config drives with genisoimage (mkisofs_cmd, both drivers), which no
  // package depends on or recommends: without it a server with a config drive goes to ERROR.
  if (model.backends.compute === 'vmware') return ['nova-compute', 'nova-compute-ironic', 'python3-oslo.vmware', 'genisoimage']
  return ['nova-compute', model.backends.virtType === 'qemu' ? 'nova-compute-qemu' : 'nova-compute-kvm', 'genisoimage']
}

/** Units of the compute part. libvirtd comes with the libvirt driver's packages. */
export function computeUnits(model: Model): string[] {
  return model.backends.compute === 'vmware' ? ['nova-compute.service'] : ['libvirtd.service', 'nova-compute.service']
}

/** Files of a compute host: the driver settings, and libvirt's qemu.conf on sandbox hosts. */
export function computeFiles(model: Model): RoleFile[] {
  return [computeConf(model), ...(model.target === 'sandbox' && model.backends.compute === 'libvirt' ? [qemuConf()] : [])]
}

/**
 * /etc/nova/nova-compute.conf: the driver settings. Debian's nova-compute init
 * script passes it as a second --config-file after nova.conf (so it wins), and no
 * other nova service reads it.
 */
function computeConf(model: Model): RoleFile {
  return {
    path: '/etc/nova/nova-compute.conf',
    group: 'nova',
    mode: 0o640,
    vars: { libvirt: libvirtVars(model), vmware: vmwareVars(model), virtTypeFile },
    notify: ['nova-compute.service'],
  }
}

/**
 * /etc/libvirt/qemu.conf on sandbox hosts only: no cgroup controllers. Debian's file
 * is all comments, so every other setting keeps libvirt's default; root:root 0600
 * is the mode libvirt-daemon-system's postinst enforces on each configure.
 */
function qemuConf(): RoleFile {
  return {
    path: '/etc/libvirt/qemu.conf',
    format: 'text',
    mode: 0o600,
    notify: ['libvirtd.service'],
  }
}

function libvirtVars(model: Model) {
  if (model.backends.compute !== 'libvirt') return false
  // NOTE: only volumes live in Ceph; instance disks stay local (images_type default),
  // so libvirt needs the client name and the libvirt secret holding its key.
  const rbd = attachesRbd(model) ? { user: rbdUser, secretUuid: model.secrets.libvirt_rbd_secret_uuid } : false
  // NOTE: `auto` is left out here; step nova.virt-type writes it to virtTypeFile.
  return { virtType: model.backends.virtType === 'auto' ? false : model.backends.virtType, rbd }
}

function vmwareVars(model: Model) {
  return model.backends.compute === 'vmware' ? vsphereSettings(model, 'nova-compute (backends.compute: vmware)') : false
}
