// SPDX-License-Identifier: Apache-2.0
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeError } from '../../installer/cli/main.ts'
import { FixableError } from '../../installer/errors.ts'
import { authtoken, databaseUrl, keystoneAuth, transportUrl } from '../../installer/render/openstack.ts'
import { iniGet, iniValues, parseIni } from '../../installer/render/ini.ts'
import { withFacts } from '../../installer/model/facts.ts'
import type { Model } from '../../installer/model/types.ts'
import { buildPhases } from '../../installer/plan/phases.ts'
import type { BootstrapStep } from '../../installer/role/index.ts'
import { virtTypeFile } from '../../roles/nova/_compute.ts'
import nova, { tlsFiles } from '../../roles/nova/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, hostContext, renderRole } from '../helpers.ts'

const ini = (files: ReturnType<typeof renderRole>, host: string, path: string) => parseIni(fileAt(files, host, path).content)
const sectionNames = (files: ReturnType<typeof renderRole>, host: string, path: string) => ini(files, host, path).map((s) => s.name)

describe('nova role', () => {
  it('puts controller and compute parts in one nova.conf on the all-in-one host', () => {
    // GIVEN the all-in-one inventory WHEN nova is rendered
    const model = fixtureModel('aio')
    const files = renderRole('aio', nova)
    const conf = ini(files, 'aio1', '/etc/nova/nova.conf')
    // THEN the databases, queue and addresses are the shared ones and the host's own
    expect(iniGet(conf, 'api_database', 'connection')).toBe(databaseUrl(model, 'nova', 'nova_api'))
    expect(iniGet(conf, 'database', 'connection')).toBe(databaseUrl(model, 'nova'))
    expect(iniGet(conf, 'DEFAULT', 'transport_url')).toBe(transportUrl(model))
    expect(iniGet(conf, 'DEFAULT', 'my_ip')).toBe('10.0.0.11')
    expect(iniGet(conf, 'api', 'auth_strategy')).toBe('keystone')
    expect(iniGet(conf, 'vnc', 'server_listen')).toBe('10.0.0.11')
    expect(iniGet(conf, 'vnc', 'server_proxyclient_address')).toBe('10.0.0.11')
    expect(iniGet(conf, 'vnc', 'novncproxy_base_url')).toBe(model.novncUrl)
    // AND every worker count is 1 on a 4 GiB all-in-one host, including uwsgi's
    for (const [s, k] of [
      ['DEFAULT', 'osapi_compute_workers'],
      ['DEFAULT', 'metadata_workers'],
      ['conductor', 'workers'],
      ['scheduler', 'workers'],
    ]) {
      expect(iniGet(conf, s!, k!), `${s} ${k}`).toBe('1')
    }
    expect(iniGet(ini(files, 'aio1', '/etc/nova/nova-api-uwsgi.ini'), 'uwsgi', 'processes')).toBe('1')
    expect(iniGet(ini(files, 'aio1', '/etc/nova/nova-api-metadata-uwsgi.ini'), 'uwsgi', 'processes')).toBe('1')
    // AND no TLS options for the console proxy
    expect(iniGet(conf, 'DEFAULT', 'ssl_only')).toBeUndefined()
  })

  it('writes every keystone_authtoken key for the nova user', () => {
    // GIVEN the all-in-one model WHEN nova.conf is rendered
    const model = fixtureModel('aio')
    const conf = ini(renderRole('aio', nova), 'aio1', '/etc/nova/nova.conf')
    const a = authtoken(model, 'nova')
    // THEN the section matches authtoken(model, 'nova') key for key
    expect(
      Object.fromEntries(
        conf.find((s) => s.name === 'keystone_authtoken')!.lines.flatMap((l) => (l.kind === 'key' ? [[l.key, l.value]] : [])),
      ),
    ).toEqual({
      www_authenticate_uri: a.wwwAuthenticateUri,
      auth_url: a.authUrl,
      memcached_servers: a.memcachedServers,
      auth_type: 'password',
      project_domain_name: 'Default',
      user_domain_name: 'Default',
      project_name: 'service',
      username: 'nova',
      password: model.secrets.nova_keystone_password,
      region_name: model.region,
      service_token_roles: 'service',
      service_token_roles_required: 'true',
    })
  })

  it('sends a service token and uses each service user where Debian and upstream expect it', () => {
    // GIVEN the 3-node model WHEN nova.conf is rendered for a compute host
    const model = fixtureModel('3-node')
    const conf = ini(renderRole('3-node', nova), 'cmp1', '/etc/nova/nova.conf')
    // THEN the service user token is on (required since the CVE-2023-2088 fix)
    expect(iniGet(conf, 'service_user', 'send_service_user_token')).toBe('true')
    expect(iniGet(conf, 'service_user', 'username')).toBe('nova')
    expect(iniGet(conf, 'service_user', 'password')).toBe(model.secrets.nova_keystone_password)
    // AND neutron, placement and cinder are reached with their credentials, internal interface, this region
    const users = { neutron: 'neutron', placement: 'placement', cinder: 'nova' } as const
    for (const [section, user] of Object.entries(users)) {
      const auth = keystoneAuth(model, user)
      expect(iniGet(conf, section, 'auth_url'), section).toBe(auth.authUrl)
      expect(iniGet(conf, section, 'username'), section).toBe(user)
      expect(iniGet(conf, section, 'password'), section).toBe(auth.password)
    }
    expect(iniGet(conf, 'neutron', 'metadata_proxy_shared_secret')).toBe(model.secrets.metadata_proxy_secret)
    expect(iniGet(conf, 'neutron', 'service_metadata_proxy')).toBe('true')
    expect(iniGet(conf, 'cinder', 'os_region_name')).toBe('RegionTwo')
    expect(iniGet(conf, 'placement', 'region_name')).toBe('RegionTwo')
    expect(iniGet(conf, 'glance', 'valid_interfaces')).toBe('internal')
    expect(iniValues(conf, 'glance', 'api_servers')).toEqual([])
  })

  it('keeps database credentials and API settings off dedicated compute hosts', () => {
    // GIVEN the 3-node inventory WHEN nova is rendered
    const files = renderRole('3-node', nova)
    // THEN compute hosts have no database, authtoken, scheduler or conductor sections
    for (const host of ['cmp1', 'cmp2']) {
      const names = sectionNames(files, host, '/etc/nova/nova.conf')
      for (const s of ['database', 'api_database', 'keystone_authtoken', 'scheduler', 'conductor'])
        expect(names, `${host} ${s}`).not.toContain(s)
      expect(
        files
          .filter((f) => f.host === host)
          .map((f) => f.path)
          .sort(),
      ).toEqual(['/etc/nova/nova-compute.conf', '/etc/nova/nova.conf', '/etc/systemd/system/nova-compute.service.d/stackhouse.conf'])
      // AND nova-compute, whose conductor runs on ctl1, may take up to 10 min to start (systemd's default is 90 s)
      expect(fileAt(files, host, '/etc/systemd/system/nova-compute.service.d/stackhouse.conf').content).toMatch(
        /^\[Service\]\nTimeoutStartSec=10min\n/m,
      )
    }
    // AND each uses its own management address
    expect(iniGet(ini(files, 'cmp2', '/etc/nova/nova.conf'), 'DEFAULT', 'my_ip')).toBe('10.1.0.22')
    expect(iniGet(ini(files, 'cmp2', '/etc/nova/nova.conf'), 'vnc', 'server_listen')).toBe('10.1.0.22')
    // AND the controller has no nova-compute.conf, 4 workers and the TLS files for the console proxy
    const ctl = ini(files, 'ctl1', '/etc/nova/nova.conf')
    expect(files.some((f) => f.host === 'ctl1' && f.path === '/etc/nova/nova-compute.conf')).toBe(false)
    expect(iniGet(ctl, 'scheduler', 'workers')).toBe('4')
    expect(iniGet(ctl, 'scheduler', 'discover_hosts_in_cells_interval')).toBe('300')
    expect([iniGet(ctl, 'DEFAULT', 'ssl_only'), iniGet(ctl, 'DEFAULT', 'cert'), iniGet(ctl, 'DEFAULT', 'key')]).toEqual([
      'true',
      tlsFiles.cert,
      tlsFiles.key,
    ])
    // AND the inventory's override reached nova.conf
    expect(iniGet(ctl, 'DEFAULT', 'cpu_allocation_ratio')).toBe('4')
  })

  it('protects files holding secrets as root:nova 0640 and restarts only the units that read them', () => {
    // GIVEN the all-in-one inventory WHEN nova is rendered
    const files = renderRole('aio', nova)
    // THEN nova.conf and nova-compute.conf are root:nova 0640
    for (const path of ['/etc/nova/nova.conf', '/etc/nova/nova-compute.conf']) {
      const f = fileAt(files, 'aio1', path)
      expect([f.owner, f.group, f.mode], path).toEqual(['root', 'nova', 0o640])
    }
    // AND no nova file restarts libvirtd
    expect(files.flatMap((f) => f.notify)).not.toContain('libvirtd.service')
    expect(fileAt(files, 'aio1', '/etc/nova/nova-compute.conf').notify).toEqual(['nova-compute.service'])
    expect(fileAt(files, 'aio1', '/etc/default/nova-consoleproxy').content).toMatch(/^NOVA_CONSOLE_PROXY_TYPE=novnc$/m)
  })

  it("writes the libvirt virt_type each host runs: the inventory's, or auto decided by the host's facts", () => {
    // GIVEN aio (virt_type auto, no facts recorded) and 3-node (kvm, Ceph volumes)
    const aioConf = fileAt(renderRole('aio', nova), 'aio1', '/etc/nova/nova-compute.conf').content
    const aio = parseIni(aioConf)
    const cmp = ini(renderRole('3-node', nova), 'cmp1', '/etc/nova/nova-compute.conf')
    // THEN both load the libvirt driver; with no facts, auto renders kvm and says it is assumed
    expect(iniGet(aio, 'DEFAULT', 'compute_driver')).toBe('libvirt.LibvirtDriver')
    expect(iniGet(aio, 'libvirt', 'virt_type')).toBe('kvm')
    expect(aioConf).toContain('# backends.virt_type is auto, and no facts are recorded for this host yet:\n# kvm is assumed.')
    expect(iniGet(ini(renderRole('aio', nova), 'aio1', '/etc/nova/nova.conf'), 'libvirt', 'virt_type')).toBeUndefined()
    expect(iniGet(cmp, 'libvirt', 'virt_type')).toBe('kvm')
    expect(fileAt(renderRole('3-node', nova), 'cmp1', '/etc/nova/nova-compute.conf').content).not.toContain('backends.virt_type')
    // AND with facts, each host gets what its KVM allows, and the matching hypervisor package
    const decided = withFacts(fixtureModel('aio'), { aio1: { kvm: false } })
    const qemuConf = fileAt(renderRole(decided, nova), 'aio1', '/etc/nova/nova-compute.conf').content
    expect(iniGet(parseIni(qemuConf), 'libvirt', 'virt_type')).toBe('qemu')
    expect(qemuConf).toContain('KVM is not usable on this host')
    expect(nova.packages(hostContext(decided, 'aio1'))).toContain('nova-compute-qemu')
    const kvm = withFacts(fixtureModel('aio'), { aio1: { kvm: true } })
    expect(iniGet(ini(renderRole(kvm, nova), 'aio1', '/etc/nova/nova-compute.conf'), 'libvirt', 'virt_type')).toBe('kvm')
    expect(nova.packages(hostContext(kvm, 'aio1'))).toContain('nova-compute-kvm')
    // AND a host that is a container (the appliance under nspawn) gets libvirt without cgroup controllers; a server does not
    const qemuConfOn = (facts: { kvm: boolean; container?: boolean }) =>
      renderRole(withFacts(fixtureModel('aio'), { aio1: facts }), nova).some((f) => f.path === '/etc/libvirt/qemu.conf')
    expect(qemuConfOn({ kvm: false, container: true })).toBe(true)
    expect(qemuConfOn({ kvm: false, container: false })).toBe(false)
    expect(qemuConfOn({ kvm: false })).toBe(false)
    // AND only Ceph volumes need the RBD client and libvirt secret
    expect(iniGet(aio, 'libvirt', 'rbd_user')).toBeUndefined()
    expect(iniGet(cmp, 'libvirt', 'rbd_user')).toBe('cinder')
    expect(iniGet(cmp, 'libvirt', 'rbd_secret_uuid')).toBe(fixtureModel('3-node').secrets.libvirt_rbd_secret_uuid)
  })

  it('installs the packages and runs the units of each half', () => {
    // GIVEN each fixture WHEN packages and units are listed
    // (genisoimage builds config drives; no package pulls it in)
    expect(nova.packages(hostContext('aio', 'aio1'))).toEqual([
      'nova-api',
      'nova-conductor',
      'nova-scheduler',
      'nova-consoleproxy',
      'nova-compute',
      'nova-compute-kvm',
      'genisoimage',
    ])
    expect(nova.packages(hostContext('3-node', 'cmp1'))).toEqual(['nova-compute', 'nova-compute-kvm', 'genisoimage'])
    expect(nova.packages(hostContext('vsphere', 'vova'))).toContain('python3-oslo.vmware')
    expect(nova.packages(hostContext('vsphere', 'vova')).join(' ')).not.toMatch(/kvm|qemu|libvirt/)
    // THEN control hosts run the API, metadata, conductor, scheduler and proxy; vCenter needs no libvirtd
    expect(nova.units(hostContext('3-node', 'ctl1'))).toEqual([
      'nova-api.service',
      'nova-api-metadata.service',
      'nova-conductor.service',
      'nova-scheduler.service',
      'nova-novncproxy.service',
    ])
    expect(nova.units(hostContext('3-node', 'cmp2'))).toEqual(['libvirtd.service', 'nova-compute.service'])
    expect(nova.units(hostContext('vsphere', 'vova'))).not.toContain('libvirtd.service')
  })

  it('drives the vCenter cluster with the VMware driver', () => {
    // GIVEN the vsphere inventory WHEN nova is rendered
    const model = fixtureModel('vsphere')
    const conf = ini(renderRole('vsphere', nova), 'vova', '/etc/nova/nova-compute.conf')
    // THEN nova-compute uses the vCenter driver and settings, and no libvirt section
    expect(iniGet(conf, 'DEFAULT', 'compute_driver')).toBe('vmwareapi.VMwareVCDriver')
    expect(iniGet(conf, 'vmware', 'host_ip')).toBe('vcenter.example.test')
    expect(iniGet(conf, 'vmware', 'host_username')).toBe('administrator@vsphere.local')
    expect(iniGet(conf, 'vmware', 'host_password')).toBe(model.secrets.vsphere_password)
    expect(iniGet(conf, 'vmware', 'cluster_name')).toBe('Cluster01')
    // (oslo.config reads `$` as a substitution: a literal one is written twice)
    expect(iniGet(conf, 'vmware', 'datastore_regex')).toBe('^datastore1$$')
    expect(iniGet(conf, 'vmware', 'insecure')).toBe('false')
    expect(conf.map((s) => s.name)).not.toContain('libvirt')
  })

  it('refuses to render the VMware driver without the vCenter password', () => {
    // GIVEN the vsphere model without the operator secret vsphere_password
    const model = fixtureModel('vsphere')
    const { vsphere_password: _unset, ...secrets } = model.secrets
    // WHEN nova is rendered THEN it fails as an input error (exit 1) with the command that fixes it
    const error = (() => {
      try {
        renderRole({ ...model, secrets }, nova)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(FixableError)
    expect((error as FixableError).message).toBe(
      'nova-compute (backends.compute: vmware) needs the vCenter password, and the secret vsphere_password is not set',
    )
    expect((error as FixableError).fix).toContain('stackhouse secrets set vsphere_password <')
    expect(describeError(error).code).toBe(1)
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, nova))
  })

  describe('deploy hooks', () => {
    const steps = (model: Model, host: string): BootstrapStep[] => nova.bootstrap!(hostContext(model, host))
    const shape = (list: BootstrapStep[]) => list.map((s) => [s.id, s.when ?? 'before-start', s.on ?? 'each'])
    const databaseSteps = [
      ['nova.api-db-sync', 'before-start', 'first-control-host'],
      ['nova.cell0', 'before-start', 'first-control-host'],
      ['nova.cell1', 'before-start', 'first-control-host'],
      ['nova.cell-urls', 'before-start', 'first-control-host'],
      ['nova.db-sync', 'before-start', 'first-control-host'],
    ]

    it('sets up the databases and cells in install-guide order, then maps the host (all-in-one)', () => {
      // GIVEN the all-in-one host (control and compute, libvirt, virt_type auto, LVM)
      const list = steps(fixtureModel('aio'), 'aio1')
      // THEN api_db sync, map_cell0, create_cell cell1 and db sync run once, before the units
      expect(shape(list)).toEqual([
        ...databaseSteps,
        ['nova.virt-type-file', 'before-start', 'each'],
        ['nova.wait', 'after-start', 'each'],
        ['nova.discover-hosts', 'after-start', 'first-control-host'],
      ])
      const byId = Object.fromEntries(list.map((s) => [s.id, s]))
      // AND each nova-manage command runs as user nova
      for (const id of ['nova.api-db-sync', 'nova.cell0', 'nova.cell1', 'nova.db-sync', 'nova.discover-hosts']) {
        expect(byId[id]!.run, id).toMatch(
          /^su -s \/bin\/sh -c '.*nova-manage .*' -- nova( && \{ \{ mkdir -p -- \/var\/lib\/stackhouse\/schema .*)?$/s,
        )
      }
      expect(byId['nova.cell1']!.run).toContain('nova-manage cell_v2 create_cell --name=cell1')
      // AND the cells are read from nova_api, the password in the environment
      expect(byId['nova.cell1']!.unless).toContain("SELECT COUNT(*) FROM cell_mappings WHERE name = '\\''cell1'\\''")
      expect(byId['nova.cell1']!.env).toEqual({ STACKHOUSE_DB_PASSWORD: fixtureModel('aio').secrets.nova_database_password })
      // AND the cells hold URL templates nova fills from nova.conf, so no password is stored in nova_api and a rotated one reaches them
      expect(byId['nova.cell1']!.run).toMatch(
        /--transport-url '\\''\{scheme\}:\/\/\{username\}:\{password\}@\{hostname\}:\{port\}\/\{path\}'\\''/,
      )
      expect(byId['nova.cell0']!.run).toContain('{scheme}://{username}:{password}@{hostname}:{port}/{path}_cell0')
      expect(byId['nova.cell-urls']!.unless).toContain('-eq 2 ]')
      expect(byId['nova.cell-urls']!.run).toContain('update_cell --cell_uuid 00000000-0000-0000-0000-000000000000')
      expect(byId['nova.cell-urls']!.run).toMatch(
        /' -- nova && systemctl try-restart -- nova-api\.service nova-api-metadata\.service nova-scheduler\.service nova-conductor\.service$/,
      )
      // AND the schema guards compare with the head of the installed migrations
      expect(byId['nova.api-db-sync']!.unless).toContain('nova-manage api_db version | tail -n 1')
      // (read by roles/common/files/alembic-head.py, the module its argument)
      expect(byId['nova.api-db-sync']!.unless).toContain('= "$(/usr/local/libexec/stackhouse/alembic-head nova.db.api)" ]')
      expect(byId['nova.db-sync']!.unless).toContain('= "$(/usr/local/libexec/stackhouse/alembic-head nova.db.main)" ]')
      // AND the file where virt_type used to be detected into is removed (nova-compute.conf carries it)
      expect(byId['nova.virt-type-file']!.unless).toBe(`[ ! -e ${virtTypeFile} ]`)
      expect(byId['nova.virt-type-file']!.run).toBe(`rm -f -- ${virtTypeFile} && systemctl try-restart nova-compute.service`)
      // AND discover_hosts runs again every 5 s until the one compute host is mapped, for up to 5 minutes
      expect(byId['nova.discover-hosts']).toMatchObject({
        run: "su -s /bin/sh -c 'nova-manage cell_v2 discover_hosts >/dev/null' -- nova",
        waitUntil: { timeoutSeconds: 300, intervalSeconds: 5 },
      })
      expect(byId['nova.discover-hosts']!.unless).toContain('-ge 1 ]')
    })

    it('splits the steps between the control host and the compute hosts of a 3-node cloud', () => {
      // GIVEN the 3-node model (virt_type kvm, Ceph volumes)
      const model = fixtureModel('3-node')
      // THEN ctl1 has the database steps and waits for both compute hosts
      expect(shape(steps(model, 'ctl1'))).toEqual([
        ...databaseSteps,
        ['nova.wait', 'after-start', 'each'],
        ['nova.discover-hosts', 'after-start', 'first-control-host'],
      ])
      expect(steps(model, 'ctl1').find((s) => s.id === 'nova.wait')!.unless).toContain('https://10.1.0.11:8774/')
      expect(steps(model, 'ctl1').at(-1)!.unless).toContain('-ge 2 ]')
      // AND each compute host only clears the old virt_type file, makes systemd read nova-compute's
      // start timeout, and stores the Ceph key in libvirt, after libvirtd runs
      for (const host of ['cmp1', 'cmp2'])
        expect(shape(steps(model, host))).toEqual([
          ['nova.virt-type-file', 'before-start', 'each'],
          ['nova.rbd-secret', 'after-start', 'each'],
          ['nova.start-timeout', 'before-start', 'each'],
        ])
      // AND the vCenter driver needs neither libvirt step
      expect(steps(fixtureModel('vsphere'), 'vova').map((s) => s.id)).toEqual([
        'nova.api-db-sync',
        'nova.cell0',
        'nova.cell1',
        'nova.cell-urls',
        'nova.db-sync',
        'nova.wait',
        'nova.discover-hosts',
      ])
    })

    it('passes the Ceph key and secret UUID through env only, compared inside the shell', () => {
      // GIVEN the 3-node model WHEN the libvirt secret step of cmp1 is built
      const model = fixtureModel('3-node')
      const step = steps(model, 'cmp1').find((s) => s.id === 'nova.rbd-secret')!
      // THEN the values travel in env and the commands name only the variables
      expect(step.env).toEqual({ RBD_SECRET_UUID: model.secrets.libvirt_rbd_secret_uuid, CEPH_KEY: model.secrets.ceph_cinder_key })
      expect(step.unless).toBe('[ "$(virsh -q secret-get-value "$RBD_SECRET_UUID" 2>/dev/null)" = "$CEPH_KEY" ]')
      expect(step.run).toContain('virsh -q secret-define --file "$d/secret.xml"')
      expect(step.run).toContain('virsh -q secret-set-value --secret "$RBD_SECRET_UUID" --file "$d/key"')
      expect(step.run).toContain('<usage type="ceph"><name>client.cinder secret</name></usage>')
    })

    it.each(fixtureNames)('%s: guards every step and keeps every secret out of commands and debconf', (fixture) => {
      // GIVEN the fixture, on a sandbox target too WHEN every host's steps and debconf lines are listed
      for (const model of [fixtureModel(fixture), fixtureModel(fixture, () => ({ target: 'sandbox' }))]) {
        const secrets = Object.values(model.secrets).filter((v): v is string => !!v)
        for (const host of nova.hosts(model)) {
          const list = nova.bootstrap!({ model, host })
          for (const s of list) {
            // THEN nothing runs unguarded (a wait has only its guard)
            expect(s.unless, s.id).toBeTruthy()
            for (const text of [s.run ?? '', s.unless!, s.title]) for (const v of secrets) expect(text, s.id).not.toContain(v)
          }
          for (const line of nova.debconf!({ model, host })) for (const v of secrets) expect(line).not.toContain(v)
        }
      }
    })

    it('answers debconf with the rendered my_ip, region and console proxy', () => {
      // GIVEN the 3-node model
      const model = fixtureModel('3-node')
      const debconf = (host: string) => nova.debconf!(hostContext(model, host))
      // THEN each host's my-ip is its address and the region is the cloud's, as nova.conf says
      expect(debconf('cmp2')).toContain('nova-common nova/my-ip string 10.1.0.22')
      expect(debconf('cmp2')).toContain('nova-common nova/cinder_os_region_name string RegionTwo')
      expect(iniGet(ini(renderRole('3-node', nova), 'cmp2', '/etc/nova/nova.conf'), 'DEFAULT', 'my_ip')).toBe('10.1.0.22')
      // AND every configure question is false; the API and proxy questions only where those packages go
      expect(debconf('ctl1')).toEqual(
        expect.arrayContaining([
          'nova-common nova/configure_db boolean false',
          'nova-common nova/configure_ksat boolean false',
          'nova-api novaapi/configure_db boolean false',
          'nova-api nova/configure_api-endpoint boolean false',
          'nova-consoleproxy nova-consoleproxy/daemon_type select novnc',
        ]),
      )
      expect(debconf('cmp1').filter((l) => /^nova-(api|consoleproxy) /.test(l))).toEqual([])
    })

    it('runs the databases, schema steps and registration on the first control host, whatever the host order', () => {
      // GIVEN a 3-node inventory that lists a compute host first
      const order = ['cmp1', 'ctl1', 'cmp2']
      const model = fixtureModel('3-node', (base) => ({ hosts: order.map((n) => hostContext(base, n).host) }))
      // WHEN the engine builds nova's phase
      const phase = buildPhases(model, [nova], renderRole(model, nova), { admin: () => Promise.reject(new Error('unused')) }).find(
        (p) => p.id === 'nova',
      )!
      const tasks = (host: string) => phase.hosts.find((h) => h.host.name === host)!.tasks.map((t) => t.id)
      // THEN the hosts keep the inventory's order, and ctl1 (the first control host) runs the databases, the cell steps and the registration
      expect(phase.hosts.map((h) => h.host.name)).toEqual(['cmp1', 'ctl1', 'cmp2'])
      expect(tasks('ctl1').filter((id) => id !== 'nova.file' && id !== 'nova.service')).toEqual([
        'nova.database',
        'nova.database',
        'nova.database',
        'nova.api-db-sync',
        'nova.cell0',
        'nova.cell1',
        'nova.cell-urls',
        'nova.db-sync',
        // its units start once Placement's phase is done
        'nova.wait-phases',
        'nova.wait',
        'nova.discover-hosts',
        'nova.register',
      ])
      expect(tasks('cmp1').filter((id) => id !== 'nova.file' && id !== 'nova.service')).toEqual([
        'nova.virt-type-file',
        'nova.start-timeout',
        'nova.wait-phases',
        'nova.rbd-secret',
      ])
    })

    it('makes the three databases for user nova and registers the compute service', () => {
      // GIVEN the 3-node model
      const model = fixtureModel('3-node')
      expect(nova.databases!(model)).toEqual([
        { database: 'nova_api', service: 'nova' },
        { database: 'nova', service: 'nova' },
        { database: 'nova_cell0', service: 'nova' },
      ])
      const e = model.endpoints.nova
      expect(nova.register!(model)).toEqual([
        {
          user: { name: 'nova', password: model.secrets.nova_keystone_password, project: 'service', roles: ['admin', 'service'] },
          service: { name: 'nova', type: 'compute', description: 'OpenStack Compute' },
          endpoints: { region: 'RegionTwo', public: e.public, internal: e.internal, admin: e.admin },
        },
      ])
    })

    it('turns off libvirt cgroups on sandbox compute hosts only', () => {
      // GIVEN the all-in-one inventory on a sandbox target, and as it is (real servers)
      const sandbox = renderRole(
        fixtureModel('aio', () => ({ target: 'sandbox' })),
        nova,
      )
      // THEN the sandbox host gets qemu.conf with no cgroup controllers, which restarts libvirtd
      const qemu = fileAt(sandbox, 'aio1', '/etc/libvirt/qemu.conf')
      expect(qemu.content).toMatch(/^cgroup_controllers = \[ \]$/m)
      expect([qemu.owner, qemu.group, qemu.mode, qemu.format, qemu.notify]).toEqual(['root', 'root', 0o600, 'text', ['libvirtd.service']])
      // AND real servers and the vCenter driver keep Debian's qemu.conf
      expect(renderRole('aio', nova).some((f) => f.path === '/etc/libvirt/qemu.conf')).toBe(false)
      expect(
        renderRole(
          fixtureModel('vsphere', () => ({ target: 'sandbox' })),
          nova,
        ).some((f) => f.path === '/etc/libvirt/qemu.conf'),
      ).toBe(false)
    })
  })
})

describe('nova role: libvirt hook on the userspace OVS datapath', () => {
  const hookPath = '/etc/libvirt/hooks/qemu'

  it('goes only to compute hosts whose facts chose the userspace datapath, with OVN, and restarts libvirtd', () => {
    // GIVEN the 3-node cloud (OVN) where cmp1 has no openvswitch module
    const model = withFacts(fixtureModel('3-node'), { cmp1: { kvm: true, ovsKernel: false }, cmp2: { kvm: true, ovsKernel: true } })
    const files = renderRole(model, nova)
    // THEN cmp1 alone gets the hook, executable, and libvirtd restarts for it (it looks for hooks at start)
    expect(files.filter((f) => f.path === hookPath).map((f) => f.host)).toEqual(['cmp1'])
    expect(fileAt(files, 'cmp1', hookPath)).toMatchObject({ mode: 0o755, notify: ['libvirtd.service'] })
    // AND with Linux bridge nobody does
    const lb = { ...model, backends: { ...model.backends, network: 'linuxbridge' as const } }
    expect(renderRole(lb, nova).some((f) => f.path === hookPath)).toBe(false)
  })

  it('keeps the taps of a started server up, in the background, and does nothing on other operations', () => {
    // GIVEN the hook with a setsid that records what it is asked to run
    const dir = mkdtempSync(join(tmpdir(), 'stackhouse-qemu-hook-'))
    const model = withFacts(fixtureModel('3-node'), { cmp1: { kvm: true, ovsKernel: false } })
    const hook = join(dir, 'qemu')
    writeFileSync(hook, fileAt(renderRole(model, nova), 'cmp1', hookPath).content, { mode: 0o755 })
    writeFileSync(join(dir, 'setsid'), `#!/bin/sh\necho "$@" > ${dir}/asked\n`)
    chmodSync(join(dir, 'setsid'), 0o755)
    const xml = `<domain><devices><interface type='bridge'><target dev='tap1a2b3c4d-5e'/></interface>
<interface type='bridge'><target dev='tapffeeddcc-01'/></interface><disk><target dev='vda'/></disk></devices></domain>`
    const run = (op: string) =>
      spawnSync(hook, ['instance-00000001', op, 'begin', '-'], { input: xml, env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' })
    // WHEN libvirt says the server started THEN the hook returns at once, having handed both taps to itself
    expect(run('started').status).toBe(0)
    const asked = () => readFileSync(join(dir, 'asked'), 'utf8').trim()
    let waited = 0
    while (waited < 50 && spawnSync('test', ['-s', join(dir, 'asked')]).status !== 0) (spawnSync('sleep', ['0.05']), waited++)
    expect(asked()).toBe(`${hook} --keep-up tap1a2b3c4d-5e tapffeeddcc-01`)
    // AND on any other operation it starts nothing
    writeFileSync(join(dir, 'asked'), '')
    expect(run('prepare').status).toBe(0)
    expect(run('stopped').status).toBe(0)
    spawnSync('sleep', ['0.5']) // a setsid started in the background would have written by now
    expect(asked()).toBe('')
  })
})
