// SPDX-License-Identifier: Apache-2.0
// The one volume backend section of cinder.conf, chosen by backends.blockStorage.
// Each backend gets its own typed vars so the template spells out every option.
import { vsphereSettings, type Model, type VsphereSettings } from '../../installer/role/index.ts'

/** `[lvm]`: LVM volumes exported over iSCSI by tgt. */
export interface LvmBackend {
  name: 'lvm'
  volumeGroup: string
  /**
   * NOTE: Debian 12's cinder-volume Depends on `tgt | open-iscsi` and its packaged
   * cinder.conf uses tgtadm; tgt also ships /etc/tgt/conf.d/cinder_tgt.conf that
   * includes /var/lib/cinder/volumes/*. tgt is a userspace target, so it needs no
   * kernel SCSI target module (LIO/lioadm would).
   */
  targetHelper: 'tgtadm'
  targetProtocol: 'iscsi'
}

/** `[rbd]`: volumes as RBD images in the Ceph pool. */
export interface RbdBackend {
  name: 'rbd'
  pool: string
  user: 'cinder'
  cephConf: string
  secretUuid: string
  /**
   * Every cinder-volume host serves the same pool, so they share one service
   * name (`rbd:<pool>@rbd`) and any of them can manage any volume (as Kolla does).
   */
  backendHost: string
}

/** `[vmdk]`: volumes as VMDKs on a vCenter datastore. */
export interface VmdkBackend extends VsphereSettings {
  name: 'vmdk'
}

/** The backend of every cinder-volume host: one per cloud, named after its cinder.conf section. */
export type VolumeBackend = LvmBackend | RbdBackend | VmdkBackend

/** Template vars: the active backend, and one key per kind (false when not active). */
export interface BackendVars {
  backend: VolumeBackend
  lvm: LvmBackend | false
  rbd: RbdBackend | false
  vmdk: VmdkBackend | false
}

/** The backend for `backends.blockStorage`; throws when vmdk is chosen without a `vsphere` section. */
export function volumeBackend(model: Model): VolumeBackend {
  const b = model.backends
  switch (b.blockStorage) {
    case 'lvm':
      return { name: 'lvm', volumeGroup: b.lvm.volumeGroup, targetHelper: 'tgtadm', targetProtocol: 'iscsi' }
    case 'ceph':
      return {
        name: 'rbd',
        pool: b.ceph.pool,
        user: 'cinder',
        cephConf: '/etc/ceph/ceph.conf',
        secretUuid: model.secrets.libvirt_rbd_secret_uuid,
        backendHost: `rbd:${b.ceph.pool}`,
      }
    case 'vmdk':
      return vmdkBackend(model)
  }
}

function vmdkBackend(model: Model): VmdkBackend {
  return { name: 'vmdk', ...vsphereSettings(model, 'cinder-volume (backends.block_storage: vmdk)') }
}

/** Template vars of the backend section for a cinder-volume host. */
export function backendVars(model: Model): BackendVars {
  const backend = volumeBackend(model)
  return {
    backend,
    lvm: backend.name === 'lvm' ? backend : false,
    rbd: backend.name === 'rbd' ? backend : false,
    vmdk: backend.name === 'vmdk' ? backend : false,
  }
}

/** Debian packages a cinder-volume host needs for the backend, besides cinder-volume. */
export function backendPackages(backend: VolumeBackend): string[] {
  switch (backend.name) {
    case 'lvm':
      return ['tgt', 'lvm2', 'thin-provisioning-tools']
    case 'rbd':
      return ['ceph-common', 'python3-rados', 'python3-rbd']
    case 'vmdk':
      return ['python3-oslo.vmware']
  }
}

/** Units a cinder-volume host runs for the backend, besides cinder-volume. */
export function backendUnits(backend: VolumeBackend): string[] {
  return backend.name === 'lvm' ? ['tgt.service'] : []
}
