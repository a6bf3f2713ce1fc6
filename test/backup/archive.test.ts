// SPDX-License-Identifier: Apache-2.0
// A backup's file: what backup writes, restore reads back, and the damaged or hostile
// archives restore refuses before it changes anything. What a backup takes from a
// cloud is derived from the roles. The whole round trip on a real host is in
// test/integration/keystone.test.ts.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { backupHost, backupSources } from '../../installer/backup/backup.ts'
import { openBackupArchive, writeBackupArchive, type BackupManifest } from '../../installer/backup/archive.ts'
import { FixableError, UsageError } from '../../installer/errors.ts'
import { restoreCloud } from '../../installer/backup/restore.ts'
import { resolveCloud } from '../../installer/plan/resolve.ts'
import { roles } from '../../roles/index.ts'
import { fixtureModel, fixturesDir } from '../helpers.ts'

const work = mkdtempSync(join(tmpdir(), 'stackhouse-backup-test-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
let n = 0
const fresh = (name: string) => {
  const d = join(work, `${name}-${n++}`)
  mkdirSync(d, { recursive: true })
  return d
}

const manifest: Omit<BackupManifest, 'files'> = {
  format: 'stackhouse-backup/1',
  stackhouse: '0.1.0',
  cloud: 'aio',
  created: '2026-12-04T10:00:00.000Z',
  hosts: ['aio1'],
  databaseHost: 'aio1',
  databases: ['glance', 'keystone'],
  data: [{ role: 'glance', host: 'aio1', dirs: ['/var/lib/glance/images'], file: 'data/glance.tar.gz' }],
}

/** A staging folder as backup leaves it before packing. */
function staging(): string {
  const d = fresh('staging')
  mkdirSync(join(d, 'state'))
  mkdirSync(join(d, 'data'))
  writeFileSync(join(d, 'databases.sql.gz'), 'dump')
  writeFileSync(join(d, 'state', 'secrets.yaml'), 'admin_password: x\n')
  writeFileSync(join(d, 'data', 'glance.tar.gz'), 'images')
  return d
}

/** Pack a folder as it is (a hand-made archive), with Debian's tar. */
function pack(dir: string): string {
  const file = join(fresh('packed'), 'b.tar')
  expect(spawnSync('tar', ['--create', '--file', file, '-C', dir, '.']).status).toBe(0)
  return file
}

/** A folder with the manifest written as given. */
function withManifest(m: unknown, d = staging()): string {
  writeFileSync(join(d, 'manifest.json'), typeof m === 'string' ? m : JSON.stringify(m))
  return d
}

const good = () => {
  const d = staging()
  const files = Object.fromEntries(
    ['databases.sql.gz', 'state/secrets.yaml', 'data/glance.tar.gz'].map((f) => [
      f,
      createHash('sha256')
        .update(readFileSync(join(d, f)))
        .digest('hex'),
    ]),
  )
  return { d, m: { ...manifest, files } }
}

async function refused(file: string): Promise<string> {
  try {
    ;(await openBackupArchive(file)).close()
  } catch (e) {
    expect(e).toBeInstanceOf(FixableError)
    return (e as Error).message
  }
  throw new Error(`${file} was accepted`)
}

describe('backup archive', () => {
  it('writes the staged files with their hashes, mode 0600, and reads them back', async () => {
    // GIVEN a staging folder WHEN it is packed
    const out = join(fresh('out'), 'cloud.tar')
    const written = await writeBackupArchive(staging(), manifest, out)
    // THEN the file is the owner's only, and lists every file with its SHA-256
    expect(statSync(out).mode & 0o777).toBe(0o600)
    expect(Object.keys(written.files)).toEqual(['data/glance.tar.gz', 'databases.sql.gz', 'state/secrets.yaml'])
    // AND reading it gives the same manifest and the files, in a private folder removed at close
    const opened = await openBackupArchive(out)
    expect(opened.manifest).toEqual(written)
    expect(readFileSync(join(opened.dir, 'state', 'secrets.yaml'), 'utf8')).toBe('admin_password: x\n')
    opened.close()
    expect(existsSync(opened.dir)).toBe(false)
  })

  it('refuses damaged and hostile archives, naming the file and what is wrong', async () => {
    const cases: [string, () => string, RegExp][] = [
      [
        'not a tar',
        () => {
          const f = join(fresh('junk'), 'b.tar')
          writeFileSync(f, 'not a tar file at all')
          return f
        },
        /tar failed/,
      ],
      ['no manifest', () => pack(staging()), /has no manifest\.json/],
      ['manifest not JSON', () => pack(withManifest('{')), /manifest\.json is not JSON/],
      ['another format', () => pack(withManifest({ ...good().m, format: 'other/9' })), /\/format must be equal to constant/],
      [
        'a path out of the archive',
        () => {
          const { d, m } = good()
          return pack(withManifest({ ...m, files: { ...m.files, '../../etc/passwd': 'a'.repeat(64) } }, d))
        },
        /\/files/,
      ],
      [
        'a database name that is SQL',
        () => pack(withManifest({ ...good().m, databases: ['keystone; DROP'] })),
        /\/databases\/0 must match/,
      ],
      [
        'a changed file',
        () => {
          const { d, m } = good()
          writeFileSync(join(d, 'databases.sql.gz'), 'tampered')
          return pack(withManifest(m, d))
        },
        /databases\.sql\.gz does not match its SHA-256/,
      ],
      [
        'an unlisted file',
        () => {
          const { d, m } = good()
          writeFileSync(join(d, 'state', 'extra'), 'x')
          return pack(withManifest(m, d))
        },
        /files its manifest does not list: state\/extra/,
      ],
      [
        'a listed file missing',
        () => {
          const { d, m } = good()
          rmSync(join(d, 'data', 'glance.tar.gz'))
          return pack(withManifest(m, d))
        },
        /data\/glance\.tar\.gz is missing/,
      ],
      [
        'a symbolic link',
        () => {
          const { d, m } = good()
          symlinkSync('/etc/shadow', join(d, 'state', 'link'))
          return pack(withManifest(m, d))
        },
        /state\/link, which is not a regular file/,
      ],
      [
        'data it does not list',
        () => {
          const { d, m } = good()
          const files = { ...m.files }
          delete (files as Record<string, string>)['data/glance.tar.gz']
          rmSync(join(d, 'data', 'glance.tar.gz'))
          return pack(withManifest({ ...m, files }, d))
        },
        /names data\/glance\.tar\.gz but does not list it/,
      ],
    ]
    for (const [what, make, message] of cases) {
      const file = make()
      const msg = await refused(file)
      expect(msg, what).toMatch(message)
      expect(msg, what).toContain(file)
    }
  })

  it('leaves nothing behind when it refuses an archive', async () => {
    // GIVEN a damaged archive WHEN it is refused THEN no unpacked folder stays in the temporary folder
    const before = spawnSync('sh', ['-c', `ls -d ${tmpdir()}/stackhouse-restore-* 2>/dev/null | wc -l`], { encoding: 'utf8' }).stdout
    const { d, m } = good()
    writeFileSync(join(d, 'databases.sql.gz'), 'tampered')
    await refused(pack(withManifest(m, d)))
    const after = spawnSync('sh', ['-c', `ls -d ${tmpdir()}/stackhouse-restore-* 2>/dev/null | wc -l`], { encoding: 'utf8' }).stdout
    expect(after).toBe(before)
  })
})

describe('what a backup takes', () => {
  it("is derived from the roles: every role's databases from the database host, Glance's images and Swift's rings from the control host", () => {
    for (const fixture of ['aio', '3-node'] as const) {
      const model = fixtureModel(fixture)
      const s = backupSources(resolveCloud(model, roles))
      const control = model.hosts.find((h) => h.groups.includes('control'))!.name
      expect(s.databaseHost.name).toBe(control)
      expect(s.databases).toEqual(['cinder', 'glance', 'keystone', 'neutron', 'nova', 'nova_api', 'nova_cell0', 'placement'])
      expect(s.data.filter((d) => d.role !== 'ceph').map((d) => [d.role, d.host.name, d.paths, d.stopWhileCopied])).toEqual([
        ['glance', control, ['/var/lib/glance/images'], []],
        [
          'swift',
          control,
          ['account', 'container', 'object']
            .flatMap((t) => [`/etc/swift/${t}.ring.gz`])
            .concat(
              ['account', 'container', 'object'].map((t) => `/etc/swift/${t}.builder`),
              ['/etc/swift/.stackhouse-rings.built'],
            ),
          [],
        ],
      ])
    }
  })

  it("takes Ceph's monitor store from the monitor's host, with the monitor stopped while it is copied, wherever that host is listed", () => {
    // GIVEN the 3-node cloud with its control host listed last: the role's first host is a compute host
    const model = fixtureModel('3-node', (m) => ({ hosts: [...m.hosts.slice(1), m.hosts[0]!] }))
    const plan = resolveCloud(model, roles)
    expect(plan.hostsOf(roles.find((r) => r.name === 'ceph')!)[0]!.name).toBe('cmp1')
    // THEN the store comes from ctl1, where ceph-mon@ctl1 runs
    const ceph = backupSources(plan).data.find((d) => d.role === 'ceph')
    expect(ceph).toMatchObject({ host: { name: 'ctl1' }, paths: ['/var/lib/ceph/mon'], stopWhileCopied: ['ceph-mon@ctl1.service'] })
    const ctl1 = plan.hosts.find((h) => h.host.name === 'ctl1')!
    expect(ctl1.roles.find((r) => r.role.name === 'ceph')!.units).toContain('ceph-mon@ctl1.service')
  })

  it('resyncs OVN after a restore, on the first control host, and nothing for Linux bridge', () => {
    const ovn = fixtureModel('3-node')
    const neutron = roles.find((r) => r.name === 'neutron')!
    const part = neutron.backup?.(ovn)
    expect(part?.afterRestore?.map((c) => c.run)).toEqual([expect.stringContaining('neutron-ovn-db-sync-util')])
    expect(part?.afterRestore?.[0]?.run).toContain('--ovn-neutron_sync_mode repair')
    expect(backupHost(resolveCloud(ovn, roles), neutron)?.name).toBe('ctl1')
    expect(neutron.backup?.(fixtureModel('aio'))?.afterRestore ?? []).toEqual([])
  })

  it('follows a role that is off: no Cinder, no cinder database', () => {
    const model = fixtureModel('aio')
    const off = { ...model, services: { ...model.services, cinder: false } }
    expect(backupSources(resolveCloud(off, roles)).databases).not.toContain('cinder')
  })
})

describe('restore, before it changes anything', () => {
  /** A deployment folder with the aio inventory (and a key file for it), and a backup of cloud `cloud`. */
  async function setup(cloud = 'aio'): Promise<{ dir: string; backup: string }> {
    const dir = fresh('deployment')
    copyFileSync(join(fixturesDir, 'inventories', 'aio.yml'), join(dir, 'inventory.yml'))
    writeFileSync(join(dir, 'id_ed25519'), 'key', { mode: 0o600 })
    const backup = join(fresh('out'), 'cloud.tar')
    await writeBackupArchive(staging(), { ...manifest, cloud }, backup)
    return { dir, backup }
  }

  it('refuses a deployment folder that holds other secrets, and writes nothing', async () => {
    // GIVEN a deployment with secrets of its own, and a backup of a cloud of the same name
    const { dir, backup } = await setup()
    writeFileSync(join(dir, 'secrets.yaml'), 'admin_password: ours\n', { mode: 0o600 })
    // WHEN it is restored THEN it is refused with where and why, and the secrets and CA are as they were
    const e = await restoreCloud({ inventory: join(dir, 'inventory.yml') }, backup, roles).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(UsageError)
    expect((e as UsageError).message).toBe(
      `${join(dir, 'secrets.yaml')} holds other secrets than the backup's: restoring would change the cloud they belong to`,
    )
    expect(readFileSync(join(dir, 'secrets.yaml'), 'utf8')).toBe('admin_password: ours\n')
    expect(existsSync(join(dir, '.stackhouse', 'tls'))).toBe(false)
  })

  it("refuses another cloud's backup", async () => {
    const { dir, backup } = await setup('prod')
    const e = await restoreCloud({ inventory: join(dir, 'inventory.yml') }, backup, roles).catch((x: unknown) => x)
    expect((e as Error).message).toBe(`${backup} is a backup of cloud prod, and the inventory is cloud aio`)
    expect(existsSync(join(dir, 'secrets.yaml'))).toBe(false)
  })
})
