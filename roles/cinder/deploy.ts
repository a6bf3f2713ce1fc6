// SPDX-License-Identifier: Apache-2.0
// How cinder is deployed besides its files: debconf answers, the schema migration,
// the LVM volume group, the Keystone catalog entry.
import {
  alembicMigration,
  asUser,
  catalogRegistration,
  fastMigration,
  inGroup,
  raw,
  scriptPath,
  sh,
  type BootstrapStep,
  type Model,
  type ModelHost,
} from '../../installer/role/index.ts'

/**
 * debconf answers that keep cinder-common's and cinder-api's maintainer scripts away
 * from the database (and `cinder-manage db sync`), RabbitMQ, [keystone_authtoken] and
 * the catalog. Every default is false already; pre-seeding makes that independent
 * of what an earlier install left.
 */
export function debconfSelections(host: ModelHost): string[] {
  return [
    'cinder-common cinder/configure_db boolean false',
    'cinder-common cinder/configure_rabbit boolean false',
    'cinder-common cinder/configure_ksat boolean false',
    'cinder-common cinder-common/dbconfig-install boolean false',
    ...(inGroup(host, 'control') ? ['cinder-api cinder/configure_api-endpoint boolean false'] : []),
  ]
}

/** The head of cinder's alembic migrations, read from the installed package (Debian's path). */
const headRevision = sh`${scriptPath('alembic-head.py')} /usr/lib/python3/dist-packages/cinder/db/alembic.ini`

/**
 * `cinder-manage db sync`, as cinder-common's postinst runs it. Done when `db version`
 * prints the head revision of the installed migrations.
 * NOTE: on the first control host, which runs cinder-api (a storage host's cinder.conf has the database too, but one host migrates).
 */
const dbSync: BootstrapStep = {
  id: 'cinder.db-sync',
  title: 'cinder-manage db sync',
  on: 'first-control-host',
  unless: sh`head=$(${raw(headRevision)}) && [ -n "$head" ] && [ "$(${raw(asUser('cinder', 'cinder-manage db version'))} 2>/dev/null | tail -n 1)" = "$head" ]`,
  run: asUser('cinder', 'cinder-manage db sync'),
}

/**
 * The LVM volume group cinder-volume carves volumes from, on backends.lvm.devices
 * (vgcreate makes them physical volumes; it refuses a device with a file system
 * or partition table on it rather than wipe it). A group that exists is kept as is.
 */
function volumeGroup(model: Model): BootstrapStep {
  const { volumeGroup: vg, devices } = model.backends.lvm
  const run = devices.length
    ? sh`vgcreate -- ${vg} ${devices}`
    : sh`echo ${`LVM volume group ${vg} does not exist and backends.lvm.devices is empty: list the disks for it in the inventory, or create ${vg} yourself`} >&2; exit 1`
  return {
    id: 'cinder.volume-group',
    title: `LVM volume group ${vg}${devices.length ? ` on ${devices.join(', ')}` : ''}`,
    unless: sh`vgs -- ${vg} >/dev/null 2>&1`,
    run,
  }
}

/** The steps of one host, in the order they run (all before cinder's units start). */
export function bootstrapSteps(model: Model, host: ModelHost): BootstrapStep[] {
  const lvmVolumeHost = inGroup(host, 'storage') && model.backends.blockStorage === 'lvm'
  return [
    ...(lvmVolumeHost ? [volumeGroup(model)] : []),
    ...(inGroup(host, 'control') ? [fastMigration(dbSync, alembicMigration(model, 'cinder'))] : []),
  ]
}

/** The block storage v3 API in the catalog (Zed registers only cinderv3), and its service user. */
export function registration(model: Model) {
  return [catalogRegistration(model, 'cinder', { name: 'cinderv3', description: 'OpenStack Block Storage' })]
}
