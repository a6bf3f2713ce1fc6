// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import { iniGet, parseIni } from '../../installer/render/ini.ts'
import { render } from '../../installer/render/render.ts'
import ceph from '../../roles/ceph/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, renderRole } from '../helpers.ts'

const CONF = '/etc/ceph/ceph.conf'
const ADMIN = '/etc/ceph/ceph.client.admin.keyring'
const CINDER = '/etc/ceph/ceph.client.cinder.keyring'
const MON = '/etc/ceph/ceph.mon.keyring'

/** The aio fixture switched to Ceph without an OSD device: one host, a file-backed OSD. */
function aioCephModel() {
  const model = fixtureModel('aio')
  return { ...model, config: {}, backends: { ...model.backends, blockStorage: 'ceph' as const } }
}

const modeOf = (f: { owner: string; group: string; mode: number }) => [f.owner, f.group, f.mode]

describe('ceph role', () => {
  it('runs mon and mgr on ctl1 and an OSD on each storage host of the 3-node cloud', () => {
    // GIVEN the 3-node fixture (Ceph, osd_device /dev/vdb, cmp1/cmp2 storage+compute)
    const model = fixtureModel('3-node')
    const [ctl1, cmp1] = [model.hosts[0]!, model.hosts[1]!]
    // WHEN the packages and units are listed
    // THEN ctl1 is the monitor and cmp1 an OSD host
    expect(ceph.hosts(model).map((h) => h.name)).toEqual(['ctl1', 'cmp1', 'cmp2'])
    expect(ceph.packages({ model, host: ctl1 })).toEqual(['ceph-common', 'ceph-mon', 'ceph-mgr'])
    expect(ceph.units({ model, host: ctl1 })).toEqual(['ceph-mon@ctl1.service', 'ceph-mgr@ctl1.service'])
    expect(ceph.packages({ model, host: cmp1 })).toEqual(['ceph-common', 'ceph-osd'])
    expect(ceph.units({ model, host: cmp1 })).toEqual(['ceph-osd.target'])
  })

  it('writes one ceph.conf for the whole 3-node cluster, two copies per object', () => {
    // GIVEN the 3-node fixture WHEN ceph is rendered
    const model = fixtureModel('3-node')
    const files = renderRole('3-node', ceph)
    // THEN every host's ceph.conf names the same fsid, monitor and network
    const confs = files.filter((f) => f.path === CONF)
    expect(confs.map((f) => f.host)).toEqual(['cmp1', 'cmp2', 'ctl1'])
    for (const f of confs) {
      const ini = parseIni(f.content)
      expect(iniGet(ini, 'global', 'fsid')).toBe(model.secrets.ceph_fsid)
      expect(iniGet(ini, 'global', 'mon initial members')).toBe('ctl1')
      expect(iniGet(ini, 'global', 'mon host')).toBe('[v2:10.1.0.11:3300,v1:10.1.0.11:6789]')
      expect(iniGet(ini, 'global', 'public network')).toBe('10.1.0.0/24')
      expect(iniGet(ini, 'global', 'auth cluster required')).toBe('cephx')
      expect(iniGet(ini, 'global', 'osd pool default size')).toBe('2')
      expect(iniGet(ini, 'global', 'osd pool default min size')).toBe('1')
      // Two OSD hosts: replicas on different hosts, no single-copy allowances.
      expect(iniGet(ini, 'global', 'osd crush chooseleaf type')).toBeUndefined()
      expect(iniGet(ini, 'global', 'mon allow pool size one')).toBeUndefined()
      // The OSDs use /dev/vdb, not a file.
      expect(iniGet(ini, 'osd', 'bluestore block create')).toBeUndefined()
      expect(modeOf(f)).toEqual(['root', 'root', 0o644])
    }
  })

  it('keeps keys readable only by who needs them on the 3-node cloud', () => {
    // GIVEN the 3-node fixture WHEN ceph is rendered
    const model = fixtureModel('3-node')
    const files = renderRole('3-node', ceph)
    // THEN the mon keyring (mon. + client.admin) is on ctl1 only, ceph:ceph 0600
    expect(files.filter((f) => f.path === MON).map((f) => f.host)).toEqual(['ctl1'])
    const mon = fileAt(files, 'ctl1', MON)
    expect(modeOf(mon)).toEqual(['ceph', 'ceph', 0o600])
    expect(mon.content).toContain(`key = ${model.secrets.ceph_mon_key}`)
    expect(mon.content).toContain(`key = ${model.secrets.ceph_admin_key}`)
    // AND the admin keyring is on every server, root 0600
    for (const host of ['ctl1', 'cmp1', 'cmp2']) {
      const admin = fileAt(files, host, ADMIN)
      expect(modeOf(admin)).toEqual(['root', 'root', 0o600])
      expect(admin.content).toContain(`key = ${model.secrets.ceph_admin_key}`)
    }
    // AND client.cinder is readable by cinder and nova on cmp1/cmp2 (volume + compute), root-only on ctl1
    expect(modeOf(fileAt(files, 'cmp1', CINDER))).toEqual(['nova', 'cinder', 0o440])
    expect(modeOf(fileAt(files, 'ctl1', CINDER))).toEqual(['root', 'root', 0o600])
    const cinder = fileAt(files, 'cmp2', CINDER).content
    expect(cinder).toContain('[client.cinder]')
    expect(cinder).toContain(`key = ${model.secrets.ceph_cinder_key}`)
    expect(cinder).toContain('caps osd = "profile rbd pool=volumes"')
    expect(cinder).toContain('caps mon = "profile rbd"')
    expect(cinder).toContain('caps mgr = "profile rbd pool=volumes"')
    // AND no keyring change restarts a daemon
    expect(files.filter((f) => f.path.endsWith('.keyring')).every((f) => f.notify.length === 0)).toBe(true)
  })

  it('runs a one-host cluster with a file-backed OSD when no device is given', () => {
    // GIVEN the aio host switched to Ceph, without backends.ceph.osd_device
    const model = aioCephModel()
    // WHEN ceph is rendered
    const files = render(model, [ceph])
    const ini = parseIni(fileAt(files, 'aio1', CONF).content)
    // THEN one copy per object, spread over OSDs, in a sparse 10 GiB block file
    expect(iniGet(ini, 'global', 'osd pool default size')).toBe('1')
    expect(iniGet(ini, 'global', 'osd pool default min size')).toBe('1')
    expect(iniGet(ini, 'global', 'mon allow pool size one')).toBe('true')
    expect(iniGet(ini, 'global', 'osd crush chooseleaf type')).toBe('0')
    expect(iniGet(ini, 'global', 'public network')).toBe('10.0.0.0/24')
    expect(iniGet(ini, 'osd', 'bluestore block create')).toBe('true')
    expect(iniGet(ini, 'osd', 'bluestore block size')).toBe(String(10 * 1024 ** 3))
    // AND the host is mon, mgr and OSD at once
    const host = model.hosts[0]!
    expect(ceph.packages({ model, host })).toEqual(['ceph-common', 'ceph-mon', 'ceph-mgr', 'ceph-osd'])
    expect(ceph.units({ model, host })).toEqual(['ceph-mon@aio1.service', 'ceph-mgr@aio1.service', 'ceph-osd.target'])
    expect(modeOf(fileAt(files, 'aio1', CINDER))).toEqual(['nova', 'cinder', 0o440])
  })

  it.each(['aio', 'vsphere'] as const)('is off for the %s fixture (not Ceph)', (fixture) => {
    // GIVEN a fixture with LVM or VMDK block storage WHEN ceph is rendered THEN nothing is
    expect(ceph.enabled(fixtureModel(fixture))).toBe(false)
    expect(renderRole(fixture, ceph)).toEqual([])
  })

  it('is off when Cinder is off, even with the Ceph backend', () => {
    // GIVEN the 3-node model with services.cinder false WHEN asked THEN ceph is off
    const model = fixtureModel('3-node')
    expect(ceph.enabled({ ...model, services: { ...model.services, cinder: false } })).toBe(false)
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, ceph))
  })

  it('matches the golden files for a one-host cluster with a file OSD', async () => {
    await expectGolden('aio-ceph', render(aioCephModel(), [ceph]))
  })
})
