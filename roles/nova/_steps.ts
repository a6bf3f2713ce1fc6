// SPDX-License-Identifier: Apache-2.0
// nova's bootstrap steps: the API and cell databases on the first control host,
// the Ceph key on compute hosts, then mapping compute hosts to cell1.
import {
  alembicMigration,
  asUser,
  atAlembicHead,
  databaseEnv,
  fastMigration,
  raw,
  serviceLogin,
  sh,
  sqlRows,
  type BootstrapStep,
  type Model,
} from '../../installer/role/index.ts'
import { rbdUser, virtTypeFile } from './_compute.ts'

const nova = (command: string) => asUser('nova', command)

/**
 * One of nova's alembic trees (`nova.db.api` or `nova.db.main`) at its head. NOTE:
 * oslo.log logs to stdout when nova.conf names no log file and use_stderr is off
 * (oslo_log/log.py `_setup_logging_from_conf`), hence the last line.
 */
const atHead = (versionCommand: string, module: string) => atAlembicHead('nova', versionCommand, module)

/**
 * The URLs cell mappings hold, as templates that nova fills from the reading host's
 * own nova.conf ([database] connection, transport_url; nova's "template URLs in cell
 * mappings"): no password is stored in nova_api, and a rotated password reaches the
 * cells with nova.conf. NOTE: one RabbitMQ host; several need the indexed form
 * ({username1}@{hostname1}…).
 */
export const cellUrls = {
  cell0Database: '{scheme}://{username}:{password}@{hostname}:{port}/{path}_cell0',
  cell1Database: '{scheme}://{username}:{password}@{hostname}:{port}/{path}',
  cell1Transport: '{scheme}://{username}:{password}@{hostname}:{port}/{path}',
}

/** cell0's fixed uuid in nova. */
const cell0Uuid = '00000000-0000-0000-0000-000000000000'

/**
 * The order of Nova's install guide, each step once, as user nova. NOTE: `db sync`
 * migrates cell0 before the cell database, returning early if cell0 fails: the
 * cell database at its head therefore means cell0 is too.
 */
export function databaseSteps(model: Model): BootstrapStep[] {
  const login = serviceLogin(model, 'nova', 'nova_api')
  const count = (where: string) => raw(`"$(${sqlRows(login, `SELECT COUNT(*) FROM cell_mappings WHERE ${where}`)})"`)
  const cellMapped = (cell: string) => sh`[ ${count(`name = '${cell}'`)} -ge 1 ]`
  const { cell0Database, cell1Database, cell1Transport } = cellUrls
  const templated = `(name = 'cell0' AND database_connection = '${cell0Database}') OR (name = 'cell1' AND database_connection = '${cell1Database}' AND transport_url = '${cell1Transport}')`
  const cell1Uuid = raw(`"$(${sqlRows(login, "SELECT uuid FROM cell_mappings WHERE name = 'cell1'")})"`)
  return [
    fastMigration(
      {
        id: 'nova.api-db-sync',
        title: 'nova-manage api_db sync',
        on: 'first-control-host',
        unless: atHead('nova-manage api_db version', 'nova.db.api'),
        run: nova('nova-manage api_db sync'),
      },
      alembicMigration(model, 'nova', ['nova_api']),
    ),
    // NOTE: the cell mappings are read from nova_api directly: `nova-manage cell_v2 list_cells` takes 3 s to say the same.
    {
      id: 'nova.cell0',
      title: 'nova-manage cell_v2 map_cell0',
      on: 'first-control-host',
      env: databaseEnv(login),
      unless: cellMapped('cell0'),
      run: nova(sh`nova-manage cell_v2 map_cell0 --database_connection ${cell0Database}`),
    },
    {
      id: 'nova.cell1',
      title: 'nova-manage cell_v2 create_cell --name=cell1',
      on: 'first-control-host',
      env: databaseEnv(login),
      // NOTE: a second create_cell with the same URLs exits 2 ("already exists"), so the guard is needed.
      unless: cellMapped('cell1'),
      run: nova(sh`nova-manage cell_v2 create_cell --name=cell1 --database_connection ${cell1Database} --transport-url ${cell1Transport}`),
    },
    {
      // Cells made with literal URLs (by an earlier version, or by hand) hold passwords that a rotation would leave behind.
      id: 'nova.cell-urls',
      title: 'cell mappings hold URL templates, not passwords',
      on: 'first-control-host',
      env: databaseEnv(login),
      unless: sh`[ ${count(templated)} -eq 2 ]`,
      run:
        nova(
          sh`nova-manage cell_v2 update_cell --cell_uuid ${cell0Uuid} --database_connection ${cell0Database} --transport-url none:/// && ` +
            sh`nova-manage cell_v2 update_cell --cell_uuid ${cell1Uuid} --database_connection ${cell1Database} --transport-url ${cell1Transport}`,
        ) +
        // nova-api, the scheduler and the conductor keep the cell mappings they loaded: running ones read them again.
        sh` && systemctl try-restart -- ${['nova-api.service', 'nova-api-metadata.service', 'nova-scheduler.service', 'nova-conductor.service']}`,
    },
    fastMigration(
      {
        id: 'nova.db-sync',
        title: 'nova-manage db sync (cell0 and cell1)',
        on: 'first-control-host',
        unless: atHead('nova-manage db version', 'nova.db.main'),
        run: nova('nova-manage db sync'),
      },
      alembicMigration(model, 'nova', ['nova', 'nova_cell0']),
    ),
  ]
}

/**
 * Maps every compute host into cell1 on the first deploy, instead of waiting up to
 * discover_hosts_in_cells_interval for nova-scheduler to do it. NOTE: this runs on
 * the first control host while the compute hosts of the same phase start
 * nova-compute (the runner runs a phase's hosts concurrently), so the engine runs
 * discover_hosts again every 5 s until each has registered, for up to 5 minutes.
 */
export function discoverHostsStep(model: Model): BootstrapStep {
  const n = model.groups.compute?.length ?? 0
  const login = serviceLogin(model, 'nova', 'nova_api')
  const query = "SELECT COUNT(*) FROM host_mappings h JOIN cell_mappings c ON h.cell_id = c.id WHERE c.name = 'cell1'"
  const mapped = raw(`$(${sqlRows(login, query)})`)
  const short = ` of ${n} compute hosts mapped to cell1: is nova-compute running on each, and can it reach RabbitMQ?`
  return {
    id: 'nova.discover-hosts',
    title: `map ${n} compute host(s) to cell1 (nova-manage cell_v2 discover_hosts)`,
    when: 'after-start',
    on: 'first-control-host',
    env: databaseEnv(login),
    // The count it reached is what the engine's timeout message ends with.
    unless: sh`c=${mapped}; [ "$c" -ge ${n} ] 2>/dev/null || { echo "$c"${short} >&2; exit 1; }`,
    run: nova('nova-manage cell_v2 discover_hosts >/dev/null'),
    waitUntil: { timeoutSeconds: 300, intervalSeconds: 5 },
  }
}

/**
 * Removes the file where step nova.virt-type wrote `auto`'s virt_type before
 * nova-compute.conf carried the value decided from the host's facts, so nova-compute's
 * config dir holds no second, older answer.
 */
export function virtTypeFileGone(): BootstrapStep {
  return {
    id: 'nova.virt-type-file',
    title: `remove ${virtTypeFile} (nova-compute.conf sets virt_type)`,
    unless: sh`[ ! -e ${virtTypeFile} ]`,
    run: sh`rm -f -- ${virtTypeFile} && systemctl try-restart nova-compute.service`,
  }
}

/**
 * The libvirt secret holding client.cinder's Ceph key, under the UUID nova-compute.conf
 * names (rbd_secret_uuid). Both values come through env; the guard compares them in
 * the shell, so the key is never in argv or in a log. After libvirtd runs.
 */
export function rbdSecretStep(model: Model): BootstrapStep {
  const xml = `<secret ephemeral="no" private="no"><uuid>%s</uuid><usage type="ceph"><name>client.${rbdUser} secret</name></usage></secret>\\n`
  return {
    id: 'nova.rbd-secret',
    title: `libvirt secret for Ceph client.${rbdUser}`,
    when: 'after-start',
    env: { RBD_SECRET_UUID: model.secrets.libvirt_rbd_secret_uuid, CEPH_KEY: model.secrets.ceph_cinder_key },
    unless: '[ "$(virsh -q secret-get-value "$RBD_SECRET_UUID" 2>/dev/null)" = "$CEPH_KEY" ]',
    run: [
      'd=$(mktemp -d) && trap \'rm -rf "$d"\' EXIT && umask 077',
      sh`printf ${xml} "$RBD_SECRET_UUID" > "$d/secret.xml"`,
      'virsh -q secret-define --file "$d/secret.xml"',
      // --file takes the base64 key from a file, not argv (virsh(1): base64 on the command line is insecure).
      'printf %s "$CEPH_KEY" > "$d/key"',
      'virsh -q secret-set-value --secret "$RBD_SECRET_UUID" --file "$d/key"',
    ].join(' && '),
  }
}
