// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { authtoken, databaseUrl, keystoneAuth, transportUrl } from '../../installer/render/openstack.ts'
import { iniGet, parseIni } from '../../installer/render/ini.ts'
import cinder from '../../roles/cinder/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, hostContext, renderRole, expectSafeSteps } from '../helpers.ts'

const CONF = '/etc/cinder/cinder.conf'
const UWSGI = '/etc/cinder/cinder-api-uwsgi.ini'

function confOf(fixture: (typeof fixtureNames)[number], host: string) {
  return parseIni(fileAt(renderRole(fixture, cinder), host, CONF).content)
}

describe('cinder role', () => {
  it.each(fixtureNames)('writes the shared settings every cinder host needs (%s)', (fixture) => {
    // GIVEN a fixture model WHEN cinder is rendered
    const model = fixtureModel(fixture)
    const files = renderRole(fixture, cinder)
    // THEN every cinder.conf carries the database, queue, own address and service user, root:cinder 0640
    const confs = files.filter((f) => f.path === CONF)
    expect(confs.length).toBeGreaterThan(0)
    for (const f of confs) {
      const ini = parseIni(f.content)
      const { host } = hostContext(model, f.host)
      expect(iniGet(ini, 'DEFAULT', 'my_ip')).toBe(host.address)
      expect(iniGet(ini, 'DEFAULT', 'transport_url')).toBe(transportUrl(model))
      expect(iniGet(ini, 'DEFAULT', 'auth_strategy')).toBe('keystone')
      expect(iniGet(ini, 'DEFAULT', 'glance_api_servers')).toBe(model.endpoints.glance.internal)
      expect(iniGet(ini, 'database', 'connection')).toBe(databaseUrl(model, 'cinder'))
      expect(iniGet(ini, 'oslo_concurrency', 'lock_path')).toBe('/var/lock/cinder')
      const auth = keystoneAuth(model, 'cinder')
      for (const section of ['nova', 'service_user']) {
        expect(iniGet(ini, section, 'auth_url')).toBe(auth.authUrl)
        expect(iniGet(ini, section, 'username')).toBe('cinder')
        expect(iniGet(ini, section, 'password')).toBe(model.secrets.cinder_keystone_password)
      }
      expect(iniGet(ini, 'service_user', 'send_service_user_token')).toBe('true')
      expect(iniGet(ini, 'nova', 'interface')).toBe('internal')
      expect(iniGet(ini, 'nova', 'region_name')).toBe(model.region)
      expect([f.owner, f.group, f.mode]).toEqual(['root', 'cinder', 0o640])
    }
  })

  it('runs the API with keystone_authtoken and one uwsgi process on the all-in-one host', () => {
    // GIVEN the aio fixture WHEN cinder is rendered
    const model = fixtureModel('aio')
    const files = renderRole('aio', cinder)
    const ini = parseIni(fileAt(files, 'aio1', CONF).content)
    // THEN [keystone_authtoken] is the cinder service user's, requiring service roles (CVE-2023-2088)
    const a = authtoken(model, 'cinder')
    expect(iniGet(ini, 'keystone_authtoken', 'www_authenticate_uri')).toBe(a.wwwAuthenticateUri)
    expect(iniGet(ini, 'keystone_authtoken', 'auth_url')).toBe(a.authUrl)
    expect(iniGet(ini, 'keystone_authtoken', 'memcached_servers')).toBe('10.0.0.11:11211')
    expect(iniGet(ini, 'keystone_authtoken', 'auth_type')).toBe('password')
    expect(iniGet(ini, 'keystone_authtoken', 'project_domain_name')).toBe('Default')
    expect(iniGet(ini, 'keystone_authtoken', 'user_domain_name')).toBe('Default')
    expect(iniGet(ini, 'keystone_authtoken', 'project_name')).toBe('service')
    expect(iniGet(ini, 'keystone_authtoken', 'username')).toBe('cinder')
    expect(iniGet(ini, 'keystone_authtoken', 'password')).toBe(model.secrets.cinder_keystone_password)
    expect(iniGet(ini, 'keystone_authtoken', 'region_name')).toBe('RegionOne')
    expect(iniGet(ini, 'keystone_authtoken', 'service_token_roles')).toBe('service')
    expect(iniGet(ini, 'keystone_authtoken', 'service_token_roles_required')).toBe('true')
    expect(iniGet(ini, 'DEFAULT', 'osapi_volume_workers')).toBe('1')
    // AND the uwsgi file Debian's init script reads runs one process, root:root 0644 like the conffile
    const uwsgi = fileAt(files, 'aio1', UWSGI)
    expect(iniGet(parseIni(uwsgi.content), 'uwsgi', 'processes')).toBe('1')
    expect([uwsgi.owner, uwsgi.group, uwsgi.mode]).toEqual(['root', 'root', 0o644])
    expect(uwsgi.notify).toEqual(['cinder-api.service'])
  })

  it('uses LVM over tgt iSCSI on the all-in-one host', () => {
    // GIVEN aio (block_storage lvm) WHEN cinder is rendered
    const ini = confOf('aio', 'aio1')
    // THEN the lvm backend section is the only one, exported by tgtadm on the host's address
    expect(iniGet(ini, 'DEFAULT', 'enabled_backends')).toBe('lvm')
    expect(iniGet(ini, 'lvm', 'volume_driver')).toBe('cinder.volume.drivers.lvm.LVMVolumeDriver')
    expect(iniGet(ini, 'lvm', 'volume_group')).toBe('cinder-volumes')
    expect(iniGet(ini, 'lvm', 'target_helper')).toBe('tgtadm')
    expect(iniGet(ini, 'lvm', 'target_protocol')).toBe('iscsi')
    expect(iniGet(ini, 'lvm', 'target_ip_address')).toBe('10.0.0.11')
    expect(iniGet(ini, 'lvm', 'volume_backend_name')).toBe('lvm')
    expect(ini.map((s) => s.name)).not.toContain('rbd')
    // AND the host gets tgt, restarted never for a cinder.conf change
    const model = fixtureModel('aio')
    const host = model.hosts[0]!
    expect(cinder.packages({ model, host })).toEqual(
      expect.arrayContaining(['cinder-api', 'cinder-scheduler', 'cinder-volume', 'tgt', 'lvm2']),
    )
    expect(cinder.units({ model, host })).toContain('tgt.service')
    expect(fileAt(renderRole('aio', cinder), 'aio1', CONF).notify).not.toContain('tgt.service')
  })

  it('splits API and volume hosts and uses Ceph RBD on the 3-node cloud', () => {
    // GIVEN the 3-node fixture (ctl1 control, cmp1/cmp2 storage, Ceph) WHEN cinder is rendered
    const model = fixtureModel('3-node')
    const files = renderRole('3-node', cinder)
    // THEN the controller has the API and no backend, and the storage hosts have no API
    const ctl = parseIni(fileAt(files, 'ctl1', CONF).content)
    expect(iniGet(ctl, 'DEFAULT', 'enabled_backends')).toBeUndefined()
    expect(iniGet(ctl, 'DEFAULT', 'osapi_volume_workers')).toBe('4')
    expect(iniGet(ctl, 'keystone_authtoken', 'region_name')).toBe('RegionTwo')
    expect(files.filter((f) => f.path === UWSGI).map((f) => f.host)).toEqual(['ctl1'])
    for (const name of ['cmp1', 'cmp2']) {
      const ini = confOf('3-node', name)
      expect(ini.map((s) => s.name)).not.toContain('keystone_authtoken')
      expect(iniGet(ini, 'DEFAULT', 'enabled_backends')).toBe('rbd')
      expect(iniGet(ini, 'rbd', 'volume_driver')).toBe('cinder.volume.drivers.rbd.RBDDriver')
      expect(iniGet(ini, 'rbd', 'rbd_pool')).toBe('volumes')
      expect(iniGet(ini, 'rbd', 'rbd_user')).toBe('cinder')
      expect(iniGet(ini, 'rbd', 'rbd_ceph_conf')).toBe('/etc/ceph/ceph.conf')
      expect(iniGet(ini, 'rbd', 'rbd_secret_uuid')).toBe(model.secrets.libvirt_rbd_secret_uuid)
      // Both volume hosts serve the one pool under one service name.
      expect(iniGet(ini, 'rbd', 'backend_host')).toBe('rbd:volumes')
      expect(ini.map((s) => s.name)).not.toContain('lvm')
    }
    const { host: cmp1 } = hostContext(model, 'cmp1')
    expect(cinder.packages({ model, host: cmp1 })).toEqual(['cinder-volume', 'ceph-common', 'python3-rados', 'python3-rbd'])
    expect(cinder.units({ model, host: cmp1 })).toEqual(['cinder-volume.service'])
  })

  it('puts volumes on the vCenter datastore in the vsphere cloud', () => {
    // GIVEN the vsphere fixture (block_storage vmdk) WHEN cinder is rendered
    const model = fixtureModel('vsphere')
    const ini = confOf('vsphere', 'vova')
    // THEN the vmdk backend points at vCenter with the operator's password
    expect(iniGet(ini, 'DEFAULT', 'enabled_backends')).toBe('vmdk')
    expect(iniGet(ini, 'vmdk', 'volume_driver')).toBe('cinder.volume.drivers.vmware.vmdk.VMwareVcVmdkDriver')
    expect(iniGet(ini, 'vmdk', 'vmware_host_ip')).toBe('vcenter.example.test')
    expect(iniGet(ini, 'vmdk', 'vmware_host_username')).toBe('administrator@vsphere.local')
    expect(iniGet(ini, 'vmdk', 'vmware_host_password')).toBe(model.secrets.vsphere_password)
    expect(iniGet(ini, 'vmdk', 'vmware_cluster_name')).toBe('Cluster01')
    expect(iniGet(ini, 'vmdk', 'vmware_datastore_regex')).toBe('^datastore1$$')
    expect(iniGet(ini, 'vmdk', 'vmware_insecure')).toBe('false')
    expect(cinder.units({ model, host: model.hosts[0]! })).not.toContain('tgt.service')
  })

  it('is absent when the inventory switches cinder off', () => {
    // GIVEN the aio model with services.cinder false WHEN everything is rendered
    const off = fixtureModel('aio', (m) => ({ services: { ...m.services, cinder: false } }))
    // THEN cinder renders nothing
    expect(cinder.enabled(off)).toBe(false)
    expect(renderRole(off, cinder)).toEqual([])
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, cinder))
  })
})

describe('cinder role: deploy hooks', () => {
  const stepsOf = (model: Model, name: string) => cinder.bootstrap!(hostContext(model, name))

  it('makes the LVM volume group on the listed disks, then migrates the schema, on the aio host', () => {
    // GIVEN the aio fixture (LVM on /dev/sdb; control and storage on one host)
    const model = fixtureModel('aio')
    const steps = stepsOf(model, 'aio1')
    // THEN both run before cinder's units start
    expect(steps.map((s) => s.id)).toEqual(['cinder.volume-group', 'cinder.db-sync'])
    expect(steps.every((s) => (s.when ?? 'before-start') === 'before-start')).toBe(true)
    expect(steps[0]).toMatchObject({ unless: 'vgs -- cinder-volumes >/dev/null 2>&1', run: 'vgcreate -- cinder-volumes /dev/sdb' })
    // AND the schema sync runs as cinder, done when the database is at the installed head revision
    expect(steps[1]!.run!.startsWith(`su -s /bin/sh -c 'cinder-manage db sync' -- cinder && `)).toBe(true)
    expect(steps[1]!.unless).toContain(`su -s /bin/sh -c 'cinder-manage db version' -- cinder`)
    expect(steps[1]!.unless).toContain(
      'head=$(/usr/local/libexec/stackhouse/alembic-head /usr/lib/python3/dist-packages/cinder/db/alembic.ini)',
    )
    expectSafeSteps(model, steps)
  })

  it('stops with what to do when the volume group is missing and no disks are listed', () => {
    // GIVEN the aio model with backends.lvm.devices empty
    const bare = fixtureModel('aio', (m) => ({ backends: { ...m.backends, lvm: { volumeGroup: 'cinder-volumes', devices: [] } } }))
    const vg = stepsOf(bare, 'aio1')[0]!
    // THEN a volume group that exists is fine; otherwise the step fails and names the inventory key
    expect(vg.unless).toBe('vgs -- cinder-volumes >/dev/null 2>&1')
    expect(vg.run).toMatch(/^echo '.*backends\.lvm\.devices is empty.*' >&2; exit 1$/)
    expectSafeSteps(bare, [vg])
  })

  it('migrates only on the first control host with Ceph or VMDK volumes', () => {
    // GIVEN the 3-node (Ceph) and vsphere (VMDK) fixtures
    const three = fixtureModel('3-node')
    const vsphere = fixtureModel('vsphere')
    // THEN no volume group anywhere; the schema sync on ctl1 / vova only
    expect(stepsOf(three, 'ctl1').map((s) => s.id)).toEqual(['cinder.db-sync'])
    expect(stepsOf(three, 'cmp1')).toEqual([])
    expect(stepsOf(vsphere, 'vova').map((s) => s.id)).toEqual(['cinder.db-sync'])
  })

  it('pre-seeds debconf so no maintainer script touches the database, RabbitMQ or Keystone', () => {
    // GIVEN the 3-node control host and a storage host WHEN their debconf answers are listed
    const model = fixtureModel('3-node')
    const ctl1 = cinder.debconf!({ model, host: model.hosts[0]! })
    const cmp1 = cinder.debconf!({ model, host: model.hosts[1]! })
    // THEN every configure_* question of the packages the host installs is answered false
    for (const q of ['configure_db', 'configure_rabbit', 'configure_ksat']) {
      expect(ctl1).toContain(`cinder-common cinder/${q} boolean false`)
      expect(cmp1).toContain(`cinder-common cinder/${q} boolean false`)
    }
    expect(ctl1).toContain('cinder-api cinder/configure_api-endpoint boolean false')
    expect(cmp1.some((l) => l.startsWith('cinder-api '))).toBe(false)
  })

  it.each(fixtureNames)('%s: registers cinderv3 (volumev3), its endpoints and the cinder user', (fixture) => {
    // GIVEN the fixture model WHEN cinder's Keystone entities are listed
    const model = fixtureModel(fixture)
    const e = model.endpoints.cinder
    // THEN the service user with admin and service roles, the v3 service and its three endpoints
    expect(cinder.register!(model)).toEqual([
      {
        user: { name: 'cinder', password: model.secrets.cinder_keystone_password, project: 'service', roles: ['admin', 'service'] },
        service: { name: 'cinderv3', type: 'volumev3', description: 'OpenStack Block Storage' },
        endpoints: { region: model.region, public: e.public, internal: e.internal, admin: e.admin },
      },
    ])
    expect(cinder.databases!(model)).toEqual([{ database: 'cinder', service: 'cinder' }])
  })
})
