// SPDX-License-Identifier: Apache-2.0
// The hypervisor half of nova: which driver nova-compute loads, and the packages
// and file that go with it. Kept apart from role.ts because it is the part that
// changes per backend (libvirt kvm/qemu/auto, vCenter).
import {
  scriptFile,
  sh,
  vsphereSettings,
  type BootstrapStep,
  type Model,
  type ModelHost,
  type RoleFile,
} from '../../installer/role/index.ts'

/**
 * Where step `nova.virt-type` wrote `[libvirt] virt_type` for `backends.virt_type: auto`
 * before the deployer gathered host facts: nova-compute.conf carries it now, and step
 * `nova.virt-type-file` removes this file. NOTE: oslo.config reads
 * /etc/nova/nova-compute.conf.d/*.conf for nova-compute as a default config dir, before
 * the --config-file options, so nova-compute.conf would win anyway (later files win;
 * oslo_config/cfg.py `_parse_config_files`); the file only misleads a reader.
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
 * - the host's virt_type kvm (the inventory's, or `auto` where KVM is usable): nova-compute-kvm.
 * - qemu: nova-compute-qemu.
 * - vmware: nova-compute-ironic. NOTE: it is only the lightest provider (no
 *   libvirtd, no qemu); its nova-compute.conf (Ironic driver, 1.0 RAM ratio) is
 *   replaced by ours. python3-oslo.vmware is not a dependency of python3-nova.
 */
export function computePackages(model: Model, host: ModelHost): string[] {
  // NOTE: nova builds config drives with genisoimage (mkisofs_cmd, both drivers), which no
  // package depends on or recommends: without it a server with a config drive goes to ERROR.
  if (model.backends.compute === 'vmware') return ['nova-compute', 'nova-compute-ironic', 'python3-oslo.vmware', 'genisoimage']
  return ['nova-compute', host.virtType.type === 'qemu' ? 'nova-compute-qemu' : 'nova-compute-kvm', 'genisoimage']
}

/** Units of the compute part. libvirtd comes with the libvirt driver's packages. */
export function computeUnits(model: Model): string[] {
  return model.backends.compute === 'vmware' ? ['nova-compute.service'] : ['libvirtd.service', 'nova-compute.service']
}

/** Files of a compute host: the driver settings, and libvirt's qemu.conf on sandbox hosts. */
export function computeFiles(model: Model, host: ModelHost): RoleFile[] {
  return [
    computeConf(model, host),
    ...((model.target === 'sandbox' || host.container) && model.backends.compute === 'libvirt' ? [qemuConf()] : []),
    ...(waitsForRemoteConductor(host) ? [startTimeout()] : []),
    ...(model.backends.compute === 'libvirt' && model.backends.network === 'ovn' && host.ovsDatapath === 'netdev' ? [qemuHook()] : []),
  ]
}

/** libvirt's qemu hook that keeps a new server's tap up where OVS runs its userspace datapath (files/libvirt-qemu-hook.sh says why). */
function qemuHook(): RoleFile {
  // libvirtd looks for hook scripts when it starts: a new one needs a restart.
  return { ...scriptFile('nova', 'libvirt-qemu-hook.sh'), path: '/etc/libvirt/hooks/qemu', notify: ['libvirtd.service'] }
}

/** A compute host without the control group: its nova-conductor runs on another host. */
export const waitsForRemoteConductor = (host: ModelHost): boolean => host.groups.includes('compute') && !host.groups.includes('control')

/** The drop-in that gives nova-compute time to find its conductor (startTimeout). */
export const startTimeoutFile = '/etc/systemd/system/nova-compute.service.d/stackhouse.conf'

/**
 * nova-compute tells systemd it is ready (Type=notify) only once nova-conductor
 * answers. On a compute host that runs no conductor, the control host may still be
 * starting its own (the deploy runs a phase's hosts at once; a whole cloud's cold
 * start does the same), which takes longer than systemd's 90 s.
 */
function startTimeout(): RoleFile {
  return {
    path: startTimeoutFile,
    content: `# Managed by Stackhouse (roles/nova): nova-compute is ready only once nova-conductor, on a control host, answers.\n[Service]\nTimeoutStartSec=${startTimeoutValue}\n`,
    format: 'text',
    notify: [],
  }
}

/** As systemd writes it back (`systemctl show -p TimeoutStartUSec`). */
const startTimeoutValue = '10min'

/**
 * systemd reads the drop-in at a daemon-reload. Done when the timeout in effect is
 * the drop-in's: NeedDaemonReload missed a new drop-in folder in the 4-host sandbox
 * deploy, so the value itself is what is compared.
 */
export function startTimeoutLoaded(): BootstrapStep {
  return {
    id: 'nova.start-timeout',
    title: `systemctl daemon-reload (nova-compute's start timeout, ${startTimeoutValue})`,
    unless: sh`[ "$(systemctl show -p TimeoutStartUSec --value -- nova-compute.service)" = ${startTimeoutValue} ]`,
    run: 'systemctl daemon-reload',
  }
}

/**
 * /etc/nova/nova-compute.conf: the driver settings. Debian's nova-compute init
 * script passes it as a second --config-file after nova.conf (so it wins), and no
 * other nova service reads it.
 */
function computeConf(model: Model, host: ModelHost): RoleFile {
  return {
    path: '/etc/nova/nova-compute.conf',
    group: 'nova',
    mode: 0o640,
    vars: { libvirt: libvirtVars(model, host), vmware: vmwareVars(model) },
    notify: ['nova-compute.service'],
  }
}

/**
 * /etc/libvirt/qemu.conf on sandbox hosts and other containers (the appliance booted
 * under nspawn) only: no cgroup controllers. Debian's file
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

function libvirtVars(model: Model, host: ModelHost) {
  if (model.backends.compute !== 'libvirt') return false
  // NOTE: only volumes live in Ceph; instance disks stay local (images_type default),
  // so libvirt needs the client name and the libvirt secret holding its key.
  const rbd = attachesRbd(model) ? { user: rbdUser, secretUuid: model.secrets.libvirt_rbd_secret_uuid } : false
  return { virtType: host.virtType.type, virtTypeNote: virtTypeNote(host), rbd }
}

/** Why the file says kvm or qemu when the inventory leaves it to the host (`auto`). */
function virtTypeNote({ virtType }: ModelHost): string[] {
  switch (virtType.from) {
    case 'inventory':
      return []
    case 'host':
      return virtType.type === 'kvm'
        ? ['backends.virt_type is auto: KVM is usable on this host.']
        : [
            'backends.virt_type is auto: KVM is not usable on this host (no vmx/svm, or no',
            'working /dev/kvm), so guests run in QEMU software emulation.',
          ]
    case 'assumed':
      return [
        'backends.virt_type is auto, and no facts are recorded for this host yet:',
        'kvm is assumed. Deploy asks the host whether KVM is usable before it writes this file.',
      ]
  }
}

function vmwareVars(model: Model) {
  return model.backends.compute === 'vmware' ? vsphereSettings(model, 'nova-compute (backends.compute: vmware)') : false
}
