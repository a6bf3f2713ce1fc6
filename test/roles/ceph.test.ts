// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest'
import type { Model } from '../../installer/model/types.ts'
import { buildPhases } from '../../installer/plan/phases.ts'
import { iniGet, parseIni } from '../../installer/render/ini.ts'
import type { BootstrapStep } from '../../installer/role/index.ts'
import ceph from '../../roles/ceph/role.ts'
import { expectGolden, fileAt, fixtureModel, fixtureNames, hostContext, renderRole, expectSafeSteps } from '../helpers.ts'

const CONF = '/etc/ceph/ceph.conf'
const ADMIN = '/etc/ceph/ceph.client.admin.keyring'
const CINDER = '/etc/ceph/ceph.client.cinder.keyring'
const MON = '/etc/ceph/ceph.mon.keyring'

/** The aio fixture switched to Ceph without an OSD device: one host, a file-backed OSD. */
const aioCephModel = () => fixtureModel('aio', (m) => ({ backends: { ...m.backends, blockStorage: 'ceph' } }))

const modeOf = (f: { owner: string; group: string; mode: number }) => [f.owner, f.group, f.mode]

describe('ceph role', () => {
  it('runs mon and mgr on ctl1 and an OSD on each storage host of the 3-node cloud', () => {
    // GIVEN the 3-node fixture (Ceph, osd_device /dev/vdb, cmp1/cmp2 storage+compute)
    const model = fixtureModel('3-node')
    const [ctl1, cmp1] = [model.hosts[0]!, model.hosts[1]!]
    // WHEN the packages and units are listed
    // THEN ctl1 is the monitor and cmp1 an OSD host, each with a time daemon (servers of a cluster on several hosts)
    expect(ceph.hosts(model).map((h) => h.name)).toEqual(['ctl1', 'cmp1', 'cmp2'])
    expect(ceph.packages({ model, host: ctl1 })).toEqual(['ceph-common', 'ceph-mon', 'ceph-mgr', 'chrony'])
    expect(ceph.units({ model, host: ctl1 })).toEqual(['ceph-mon@ctl1.service', 'ceph-mgr@ctl1.service'])
    expect(ceph.packages({ model, host: cmp1 })).toEqual(['ceph-common', 'ceph-osd', 'chrony'])
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
    const files = renderRole(model, ceph)
    const ini = parseIni(fileAt(files, 'aio1', CONF).content)
    // THEN one copy per object, spread over OSDs, in a sparse 10 GiB block file
    expect(iniGet(ini, 'global', 'osd pool default size')).toBe('1')
    expect(iniGet(ini, 'global', 'osd pool default min size')).toBe('1')
    expect(iniGet(ini, 'global', 'mon allow pool size one')).toBe('true')
    expect(iniGet(ini, 'global', 'osd crush chooseleaf type')).toBe('0')
    expect(iniGet(ini, 'global', 'public network')).toBe('10.0.0.0/24')
    expect(iniGet(ini, 'osd', 'bluestore block create')).toBe('true')
    expect(iniGet(ini, 'osd', 'bluestore block size')).toBe(String(10 * 1024 ** 3))
    // AND the host is mon, mgr and OSD at once (one host, one clock: no time daemon)
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
    expect(ceph.enabled(fixtureModel('3-node', (m) => ({ services: { ...m.services, cinder: false } })))).toBe(false)
  })

  it.each(fixtureNames)('matches the golden files for %s', async (fixture) => {
    await expectGolden(fixture, renderRole(fixture, ceph))
  })

  it('matches the golden files for a one-host cluster with a file OSD', async () => {
    await expectGolden('aio-ceph', renderRole(aioCephModel(), ceph))
  })
})

describe('ceph role: bootstrap', () => {
  const stepsOf = (model: Model, name: string) => ceph.bootstrap!(hostContext(model, name))
  const ids = (steps: BootstrapStep[]) => steps.map((s) => `${s.id}${s.when === 'after-start' ? '' : ' (before-start)'}`)

  it('bootstraps a one-host cluster: mon store, then mgr key, file OSD, client.cinder and the pool', () => {
    // GIVEN the aio host switched to Ceph (mon, mgr and a file-backed OSD on one host)
    const model = aioCephModel()
    const steps = stepsOf(model, 'aio1')
    // THEN only the monitor's store is made before the units start; the rest waits for the monitor
    expect(ids(steps)).toEqual([
      'ceph.mon-mkfs (before-start)',
      'ceph.mon-address',
      'ceph.wait-mon',
      'ceph.mgr-keyring',
      'ceph.osd',
      'ceph.cinder-auth',
      'ceph.wait-osds',
      'ceph.pool',
    ])
    // AND the monitor host's steps run its script (roles/ceph/files/ceph-mon.sh) with quoted arguments;
    // the fsid travels in the environment, never in argv
    const mon = '/usr/local/libexec/stackhouse/ceph-mon'
    const addrs = `'[v2:10.0.0.11:3300,v1:10.0.0.11:6789]'`
    const mkfs = steps[0]!
    expect(mkfs).toMatchObject({
      env: { CEPH_FSID: model.secrets.ceph_fsid },
      unless: '[ -d /var/lib/ceph/mon/ceph-aio1/store.db ]',
      run: `${mon} mkfs aio1 ${addrs}`,
    })
    // AND the store records the addresses its map gives the monitor; after the units start, a
    // monitor whose record differs (the host was re-addressed) has its map changed in place
    expect(steps.find((s) => s.id === 'ceph.mon-address')).toMatchObject({
      unless: `[ "$(cat -- /var/lib/ceph/mon/ceph-aio1/stackhouse-addrs 2>/dev/null)" = ${addrs} ]`,
      run: `${mon} address aio1 ${addrs}`,
    })
    expect(steps.find((s) => s.id === 'ceph.mgr-keyring')!.run).toBe(`${mon} mgr-key aio1`)
    const monScript = fileAt(renderRole(model, ceph), 'aio1', mon)
    expect(monScript.mode).toBe(0o755)
    // (the store and the map are ceph's, as the daemon runs; the map's entry is replaced, not added to)
    expect(monScript.content).toContain('as_ceph ceph-mon --mkfs -i "$name" --monmap "$monmap" --keyring /etc/ceph/ceph.mon.keyring')
    expect(monScript.content).toMatch(/monmaptool --rm "\$name" -- "\$monmap"\n\s+monmaptool --addv "\$name" "\$addrs" -- "\$monmap"/)
    // AND the OSD is the probe's long form, by the script the host receives (its key never in argv)
    const osd = steps.find((s) => s.id === 'ceph.osd')!
    expect(osd).toMatchObject({
      unless: '/usr/local/libexec/stackhouse/ceph-osd-file exists',
      run: '/usr/local/libexec/stackhouse/ceph-osd-file create',
    })
    const script = fileAt(renderRole(model, ceph), 'aio1', '/usr/local/libexec/stackhouse/ceph-osd-file')
    expect(script.mode).toBe(0o755)
    expect(script.content).toContain('ceph osd new "$OSD_UUID" -i -')
    expect(script.content).toContain('ceph-osd -i "$id" --mkfs --osd-uuid "$OSD_UUID" --setuser ceph --setgroup ceph')
    expect(script.content).toContain('systemctl enable --now "ceph-osd@$id.service"')
    expect(script.content).not.toMatch(/--add-key|ceph-volume/)
    // AND the monitor is waited for up to 5 minutes; the pool waits for one OSD, and is created, tagged rbd and initialised
    expect(steps.find((s) => s.id === 'ceph.wait-mon')).toMatchObject({
      unless: 'timeout 10 ceph -s >/dev/null',
      waitUntil: { timeoutSeconds: 300 },
    })
    expect(steps.find((s) => s.id === 'ceph.wait-osds')).toMatchObject({ waitUntil: { timeoutSeconds: 600, intervalSeconds: 5 } })
    expect(steps.find((s) => s.id === 'ceph.wait-osds')!.unless).toContain('-ge 1 ]')
    expect(steps.find((s) => s.id === 'ceph.pool')!.run).toBe(
      'ceph osd pool create volumes 32 && ceph osd pool application enable volumes rbd && timeout 300 rbd pool init volumes',
    )
    expect(steps.find((s) => s.id === 'ceph.cinder-auth')!.run).toBe('ceph auth import -i /etc/ceph/ceph.client.cinder.keyring')
    expectSafeSteps(model, steps)
  })

  it('makes device OSDs with ceph-volume on the storage hosts of the 3-node cloud, after the monitor answers', () => {
    // GIVEN the 3-node fixture (mon on ctl1, osd_device /dev/vdb on cmp1 and cmp2)
    const model = fixtureModel('3-node')
    // THEN ctl1 bootstraps the monitor and waits for both OSDs before making the pool
    expect(ids(stepsOf(model, 'ctl1'))).toEqual([
      'ceph.mon-mkfs (before-start)',
      'ceph.mon-address',
      'ceph.wait-mon',
      'ceph.mgr-keyring',
      'ceph.cinder-auth',
      'ceph.wait-osds',
      'ceph.pool',
    ])
    expect(stepsOf(model, 'ctl1').find((s) => s.id === 'ceph.wait-osds')!.unless).toContain('-ge 2 ]')
    // AND each storage host waits for the monitor (this phase runs on all hosts at once), then makes its OSD
    for (const name of ['cmp1', 'cmp2']) {
      const steps = stepsOf(model, name)
      expect(ids(steps)).toEqual(['ceph.wait-mon', 'ceph.bootstrap-osd-keyring', 'ceph.osd'])
      expect(steps[2]!.run).toBe('/usr/local/libexec/stackhouse/ceph-osd-device /dev/vdb')
      expect(fileAt(renderRole(model, ceph), name, '/usr/local/libexec/stackhouse/ceph-osd-device').content).toContain(
        'exec ceph-volume lvm create --bluestore --data "$1"',
      )
      expect(steps[2]!.unless).toContain('ceph-volume lvm list /dev/vdb')
      expectSafeSteps(model, steps)
    }
    expectSafeSteps(model, stepsOf(model, 'ctl1'))
  })

  it('gives client-only hosts (cinder-volume or libvirt, no mon or OSD) no steps', () => {
    // GIVEN a 3-node model with a fourth host that is only a compute host
    const model = fixtureModel('3-node')
    const cmp3 = { ...model.hosts[1]!, name: 'cmp3', address: '10.1.0.23', groups: ['compute'] }
    // THEN it has no bootstrap steps, and ceph registers nothing in Keystone
    expect(ceph.bootstrap!({ model: { ...model, hosts: [...model.hosts, cmp3] }, host: cmp3 })).toEqual([])
    expect(ceph.register).toBeUndefined()
  })

  it('runs the monitor store before the units and the rest after them in the aio deploy plan', () => {
    // GIVEN the aio host switched to Ceph WHEN the deploy phases are built
    const model = aioCephModel()
    const phases = buildPhases(model, [ceph], renderRole(model, ceph), { admin: () => Promise.reject(new Error('unused')) })
    const tasks = phases
      .find((p) => p.id === 'ceph')!
      .hosts[0]!.tasks.map((t) => t.id)
      .filter((id) => id !== 'ceph.file')
    // THEN mkfs precedes the three units, and every cluster step follows them
    expect(tasks).toEqual([
      'ceph.mon-mkfs',
      'ceph.service',
      'ceph.service',
      'ceph.service',
      'ceph.mon-address',
      'ceph.wait-mon',
      'ceph.mgr-keyring',
      'ceph.osd',
      'ceph.cinder-auth',
      'ceph.wait-osds',
      'ceph.pool',
    ])
  })
})
