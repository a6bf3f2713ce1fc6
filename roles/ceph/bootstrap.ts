// SPDX-License-Identifier: Apache-2.0
// The cluster's bootstrap as guarded steps, after the recipe that
// /work/shared/reference/ceph-probe.md proved on a sandbox host. The monitor's
// store is made before ceph-mon@ starts; everything else needs a monitor that
// answers, so it runs after the units start: the manager's key, each OSD host's
// OSD, client.cinder, and (once enough OSDs are up) the volumes pool.
// NOTE: the engine runs this phase on every Ceph host at once, so OSD hosts start
// by waiting for the monitor that the first control host is bringing up.
import { raw, scriptPath, sh, type BootstrapStep, type Model, type ModelHost } from '../../installer/role/index.ts'

/** Cluster commands in guards give up rather than wait 300 s for a monitor (`--check` on a new host). */
const ceph = 'timeout 30 ceph'

/** The bootstrap's scripts (roles/ceph/files/): the monitor host's, and the OSD step's, shipped by role.ts. */
export const cephScripts = { mon: 'ceph-mon.sh', file: 'ceph-osd-file.sh', device: 'ceph-osd-device.sh' } as const

/** `ceph-mon --mkfs` from a one-monitor monmap and the rendered mon keyring (mon. and client.admin). */
export function monMkfs(model: Model, mon: ModelHost, monAddrs: string): BootstrapStep {
  return {
    id: 'ceph.mon-mkfs',
    title: `ceph-mon --mkfs (mon.${mon.name})`,
    env: { CEPH_FSID: model.secrets.ceph_fsid },
    unless: sh`[ -d ${`/var/lib/ceph/mon/ceph-${mon.name}/store.db`} ]`,
    run: sh`${scriptPath(cephScripts.mon)} mkfs ${mon.name} ${monAddrs}`,
    // The script's other commands restart units; mkfs only writes the store.
    touchesUnits: false,
  }
}

/**
 * The monitor at its host's address: after the host was re-addressed (an appliance
 * moved, a lease changed) its monmap entry is moved (roles/ceph/files/ceph-mon.sh).
 * Done when the store's stamp says the map holds these addresses.
 */
export function monAddress(mon: ModelHost, monAddrs: string): BootstrapStep {
  return {
    id: 'ceph.mon-address',
    title: `mon.${mon.name} at ${monAddrs}`,
    when: 'after-start',
    unless: sh`[ "$(cat -- ${`/var/lib/ceph/mon/ceph-${mon.name}/stackhouse-addrs`} 2>/dev/null)" = ${monAddrs} ]`,
    run: sh`${scriptPath(cephScripts.mon)} address ${mon.name} ${monAddrs}`,
  }
}

/** Wait until the monitor answers `ceph -s` (with client.admin, on every server). */
export function waitForMon(monAddrs: string): BootstrapStep {
  return {
    id: 'ceph.wait-mon',
    title: `wait for ceph-mon at ${monAddrs}`,
    when: 'after-start',
    // ceph's own complaint (say, "monclient(hunting): authenticate timed out") ends the timeout's message.
    unless: 'timeout 10 ceph -s >/dev/null',
    waitUntil: { timeoutSeconds: 300, intervalSeconds: 5 },
  }
}

/** A key the cluster holds for `entity` is the one in `keyring`. */
const keyMatches = (entity: string, keyring: string) =>
  // NOTE: compared by the shell's own test: the key never becomes an argument of a program.
  sh`k=$(${raw(ceph)} auth get-key ${entity} 2>/dev/null) && [ -n "$k" ] && [ "$(sed -n 's/^[[:space:]]*key = //p' -- ${keyring})" = "$k" ]`

/** The manager's key, made by the monitor; ceph-mgr@ is restarted with it (roles/ceph/files/ceph-mon.sh). */
export function mgrKeyring(mon: ModelHost): BootstrapStep {
  return {
    id: 'ceph.mgr-keyring',
    title: `key of mgr.${mon.name}, then restart ceph-mgr@${mon.name}.service`,
    when: 'after-start',
    unless: keyMatches(`mgr.${mon.name}`, `/var/lib/ceph/mgr/ceph-${mon.name}/keyring`),
    run: sh`${scriptPath(cephScripts.mon)} mgr-key ${mon.name}`,
  }
}

/**
 * The probe's "long form": an OSD whose data is a sparse file that --mkfs creates,
 * with no LVM or device (roles/ceph/files/ceph-osd-file.sh). Done when some OSD
 * directory is complete and its unit enabled.
 */
export function fileOsd(): BootstrapStep {
  const script = scriptPath(cephScripts.file)
  return {
    id: 'ceph.osd',
    title: 'OSD on a sparse file (ceph osd new, ceph-osd --mkfs)',
    when: 'after-start',
    unless: sh`${script} exists`,
    run: sh`${script} create`,
  }
}

/**
 * client.bootstrap-osd's key, which ceph-volume uses (it has no option for another
 * user). The monitor may have made it at mkfs; else it is made here.
 */
export function bootstrapOsdKeyring(): BootstrapStep {
  const keyring = '/var/lib/ceph/bootstrap-osd/ceph.keyring'
  return {
    id: 'ceph.bootstrap-osd-keyring',
    title: 'key of client.bootstrap-osd (for ceph-volume)',
    when: 'after-start',
    unless: keyMatches('client.bootstrap-osd', keyring),
    run: `umask 077 && { ceph auth get client.bootstrap-osd -o ${keyring} 2>/dev/null || ceph auth get-or-create client.bootstrap-osd mon 'allow profile bootstrap-osd' -o ${keyring}; }`,
  }
}

/**
 * An OSD on a whole device, by ceph-volume (LVM), which also enables the
 * ceph-volume@ unit that activates the OSD at boot (roles/ceph/files/ceph-osd-device.sh).
 * Real servers only: LVM needs device-mapper. A prepared but inactive OSD is activated again.
 */
export function deviceOsd(device: string): BootstrapStep {
  return {
    id: 'ceph.osd',
    title: `OSD on ${device} (ceph-volume lvm create)`,
    when: 'after-start',
    unless: sh`ceph-volume lvm list ${device} >/dev/null 2>&1 && systemctl is-active --quiet 'ceph-osd@*'`,
    run: sh`${scriptPath(cephScripts.device)} ${device}`,
  }
}

/**
 * client.cinder as rendered in /etc/ceph/ceph.client.cinder.keyring (key and caps).
 * Compared line by line with what the monitor holds, leading blanks and comments aside.
 */
export function cinderAuth(): BootstrapStep {
  const keyring = '/etc/ceph/ceph.client.cinder.keyring'
  const trim = "sed 's/^[[:space:]]*//'"
  return {
    id: 'ceph.cinder-auth',
    title: 'client.cinder in the cluster (ceph auth import)',
    when: 'after-start',
    unless: `diff <(${ceph} auth get client.cinder 2>/dev/null | ${trim}) <(grep -v '^#' ${keyring} | ${trim}) >/dev/null`,
    run: `ceph auth import -i ${keyring}`,
  }
}

/** Wait until `count` OSDs are up: a pool's placement groups go active only then. */
export function waitForOsds(count: number): BootstrapStep {
  const up = sh`[ "$(timeout 10 ceph osd stat -f json 2>/dev/null | grep -o '"num_up_osds":[0-9]*' | cut -d: -f2)" -ge ${count} ] 2>/dev/null`
  return {
    id: 'ceph.wait-osds',
    title: `wait for ${count} OSD(s) up`,
    when: 'after-start',
    unless: up,
    waitUntil: { timeoutSeconds: 600, intervalSeconds: 5 },
  }
}

/**
 * The RBD pool: created, tagged rbd and initialised by `rbd pool init`, whose last
 * act is writing "overwrite validated" to the pool's rbd_info object.
 */
export function rbdPool(pool: string): BootstrapStep {
  return {
    id: 'ceph.pool',
    title: `pool ${pool} for RBD`,
    when: 'after-start',
    unless: sh`${raw(ceph)} osd pool ls | grep -qxF -e ${pool} && [ "$(timeout 30 rados -p ${pool} get rbd_info - 2>/dev/null)" = 'overwrite validated' ]`,
    // NOTE: 32 placement groups to start with; the pg autoscaler (on by default) adjusts them.
    run: sh`ceph osd pool create ${pool} 32 && ceph osd pool application enable ${pool} rbd && timeout 300 rbd pool init ${pool}`,
  }
}
