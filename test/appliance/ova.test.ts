// SPDX-License-Identifier: Apache-2.0
// The OVA as vSphere reads it: a real streamOptimized VMDK made by qemu-img, packed by
// our writer, read back by GNU tar and by our checker; then broken OVAs, each of a
// kind that vSphere or ovftool refuses, which the checker must name.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { checkOva } from '../../appliance/ova/check.ts'
import { tarHeader, writeTar } from '../../appliance/ova/gnu-tar.ts'
import { formatManifest, sha256Bytes, sha256File } from '../../appliance/ova/manifest.ts'
import { ovfDescriptor } from '../../appliance/ova/ovf.ts'
import { packOva } from '../../appliance/ova/pack.ts'
import { ensureMachinePackages } from '../../installer/machine-packages.ts'

const dir = mkdtempSync(join(tmpdir(), 'stackhouse-ova-'))
const vmdk = join(dir, 'stackhouse-test-disk1.vmdk')
const capacity = 64 * 1024 * 1024
const name = 'stackhouse-test'

beforeAll(async () => {
  await ensureMachinePackages(['qemu-utils'], { what: 'the OVA test' })
  // A small disk with data in it, converted exactly as the appliance build converts its disk.
  const raw = join(dir, 'disk.raw')
  execFileSync('truncate', ['-s', String(capacity), raw])
  writeFileSync(join(dir, 'data'), Buffer.alloc(1024 * 1024, 'stackhouse'))
  execFileSync('dd', [`if=${join(dir, 'data')}`, `of=${raw}`, 'bs=1M', 'seek=3', 'conv=notrunc', 'status=none'])
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized,adapter_type=lsilogic', raw, vmdk])
}, 900_000)

const tarList = (file: string) => execFileSync('tar', ['--numeric-owner', '-tvf', file], { encoding: 'utf8' })

describe('the OVA', () => {
  it('holds the descriptor, then the manifest, then the disk, as GNU tar reads them, and passes the checker', async () => {
    // GIVEN a streamOptimized disk WHEN it is packed
    const ova = join(dir, `${name}.ova`)
    const { manifest, ovf } = await packOva(ova, { name, version: '0.1.0', vmdk, capacityBytes: capacity, mtime: 1_700_000_000 })
    // THEN GNU tar lists the three members in order, owner 0:0, mode 0644, with the disk's true size
    const lines = tarList(ova).trim().split('\n')
    expect(lines.map((l) => l.split(/\s+/).at(-1))).toEqual([`${name}.ovf`, `${name}.mf`, `${name}-disk1.vmdk`])
    for (const l of lines) expect(l).toMatch(/^-rw-r--r-- 0\/0 /)
    expect(lines[2]).toContain(` ${statSync(vmdk).size} `)
    // AND the manifest has vSphere's exact line format, with hashes of what the archive holds
    expect(manifest).toBe(`SHA256(${name}.ovf)= ${sha256Bytes(Buffer.from(ovf))}\nSHA256(${name}-disk1.vmdk)= ${await sha256File(vmdk)}\n`)
    expect(execFileSync('tar', ['-xOf', ova, `${name}.mf`], { encoding: 'utf8' })).toBe(manifest)
    expect(sha256Bytes(execFileSync('tar', ['-xOf', ova, `${name}-disk1.vmdk`], { maxBuffer: 1 << 30 }))).toBe(await sha256File(vmdk))
    // AND the descriptor says what the issue asks for
    expect(ovf).toContain('<vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType>')
    expect(ovf).toContain('ovf:transport="com.vmware.guestInfo iso"')
    expect(ovf).toContain('<rasd:ResourceSubType>lsilogic</rasd:ResourceSubType>')
    expect(ovf).toContain('<rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>')
    expect(ovf).toContain('vmw:key="nestedHVEnabled" vmw:value="true"')
    expect(ovf).toMatch(/<Disk ovf:capacity="100" ovf:capacityAllocationUnits="byte \* 2\^30" ovf:diskId="vmdisk2" ovf:format="[^"]+"\/>/)
    expect(ovf).toMatch(
      /ovf:key="stackhouse.admin_password" ovf:type="string" ovf:userConfigurable="true" ovf:value="" ovf:password="true" ovf:qualifiers="MinLen\(12\)"/,
    )
    // Categories group the properties in the wizard's order.
    expect([...ovf.matchAll(/<Category>(\w+)<\/Category>/g)].map((m) => m[1])).toEqual(['Network', 'Credentials', 'Cloud', 'Labs'])
    // AND the disk is a streamOptimized VMDK
    expect(readFileSync(vmdk).subarray(0, 4).toString('latin1')).toBe('KDMV')
    expect(readFileSync(vmdk).subarray(0, 4096).toString('latin1')).toContain('createType="streamOptimized"')
    // AND our checker finds nothing wrong
    await expect(checkOva(ova)).resolves.toMatchObject({ problems: [] })
  })

  it('leaves the data disk out when it is asked to be 0 GiB (the system disk then holds the data)', () => {
    const system = { file: 'x-disk1.vmdk', fileBytes: 1000, capacityBytes: 4 * 1024 ** 2 }
    const without = ovfDescriptor({ name: 'x', version: '1', systemDisk: system, dataDiskGiB: 0 })
    expect(without).not.toContain('vmdisk2')
    expect(without).not.toContain('Hard Disk 2')
    expect(without).toContain('ovf:/disk/vmdisk1')
    expect(ovfDescriptor({ name: 'x', version: '1', systemDisk: system })).toContain('ovf:/disk/vmdisk2')
  })

  it('says a member over 8 GiB in a GNU base-256 size that GNU tar reads', () => {
    // GIVEN a header for a 9 GiB disk (the data is left out: tar lists the header, then finds the archive short)
    const big = 9 * 1024 ** 3
    const file = join(dir, 'big.tar')
    writeFileSync(file, Buffer.concat([tarHeader('big.vmdk', big, 1_700_000_000), Buffer.alloc(1024)]))
    let listed = ''
    try {
      listed = tarList(file)
    } catch (e) {
      listed = String((e as { stdout?: string }).stdout)
    }
    expect(listed).toMatch(new RegExp(`^-rw-r--r-- 0/0 +${big} .* big\\.vmdk$`, 'm'))
  })
})

/** Pack an OVA by hand, with what a broken one changes: the descriptor, the manifest, the order, the headers. */
async function broken(
  label: string,
  change: { ovf?: (s: string) => string; manifest?: (s: string) => string; order?: number[]; patch?: (tar: Buffer) => void },
) {
  const good = ovfDescriptor({
    name,
    version: '0.1.0',
    systemDisk: { file: `${name}-disk1.vmdk`, fileBytes: statSync(vmdk).size, capacityBytes: capacity },
  })
  const ovf = Buffer.from(change.ovf ? change.ovf(good) : good)
  const mf = formatManifest([
    { file: `${name}.ovf`, sha256: sha256Bytes(ovf) },
    { file: `${name}-disk1.vmdk`, sha256: await sha256File(vmdk) },
  ])
  const members = [
    { name: `${name}.ovf`, from: { bytes: ovf } },
    { name: `${name}.mf`, from: { bytes: Buffer.from(change.manifest ? change.manifest(mf) : mf) } },
    { name: `${name}-disk1.vmdk`, from: { path: vmdk } },
  ]
  const file = join(dir, `${label}.ova`)
  await writeTar(
    file,
    (change.order ?? [0, 1, 2]).map((i) => members[i]!),
    1_700_000_000,
  )
  if (change.patch) {
    const tar = readFileSync(file)
    change.patch(tar)
    writeFileSync(file, tar)
  }
  return (await checkOva(file)).problems
}

/** Rewrite a header field and its checksum, as another tar writer would have written it. */
function setField(tar: Buffer, headerAt: number, at: number, value: string) {
  tar.write(value, headerAt + at, 'binary')
  tar.fill(0x20, headerAt + 148, headerAt + 156)
  const sum = tar.subarray(headerAt, headerAt + 512).reduce((a, b) => a + b, 0)
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, headerAt + 148, 'ascii')
}

describe('the OVA checker', () => {
  it('reads an empty member (its hash is that of no bytes) and reports it, without failing', async () => {
    expect(await sha256File(vmdk, { start: 512, length: 0 })).toBe(sha256Bytes(Buffer.alloc(0)))
    const good = ovfDescriptor({
      name,
      version: '0.1.0',
      systemDisk: { file: `${name}-disk1.vmdk`, fileBytes: statSync(vmdk).size, capacityBytes: capacity },
    })
    const mf = formatManifest([
      { file: `${name}.ovf`, sha256: sha256Bytes(Buffer.from(good)) },
      { file: `${name}-disk1.vmdk`, sha256: await sha256File(vmdk) },
      { file: 'extra.txt', sha256: sha256Bytes(Buffer.alloc(0)) },
    ])
    const file = join(dir, 'empty-member.ova')
    await writeTar(
      file,
      [
        { name: `${name}.ovf`, from: { bytes: Buffer.from(good) } },
        { name: `${name}.mf`, from: { bytes: Buffer.from(mf) } },
        { name: `${name}-disk1.vmdk`, from: { path: vmdk } },
        { name: 'extra.txt', from: { bytes: Buffer.alloc(0) } },
      ],
      1_700_000_000,
    )
    expect((await checkOva(file)).problems).toEqual([`${name}.ovf: extra.txt is in the archive but not in References`])
  })

  it.each([
    ['manifest before the descriptor', { order: [1, 0, 2] }, /first member is stackhouse-test\.mf/],
    [
      'OpenSSL 3 manifest lines',
      { manifest: (m: string) => m.replaceAll('SHA256(', 'SHA2-256(') },
      /not "SHA256\(<file>\)= <hex>".*SHA2-256/,
    ],
    ['sha256sum --tag manifest lines', { manifest: (m: string) => m.replace(/SHA256\((.*?)\)= /g, 'SHA256 ($1) = ') }, /line 1 is not/],
    [
      'a hash that does not match',
      { manifest: (m: string) => m.replace(/= [0-9a-f]{8}/, '= 00000000') },
      /SHA256 of stackhouse-test\.ovf does not match/,
    ],
    [
      'a wrong ovf:size',
      { ovf: (o: string) => o.replace(/ovf:size="\d+"/, 'ovf:size="1234"') },
      /ovf:size of stackhouse-test-disk1\.vmdk is 1234, the file is \d+ bytes/,
    ],
    [
      'no SCSI controller',
      { ovf: (o: string) => o.replace(/<Item>(?:(?!<\/Item>)[\s\S])*?<rasd:ResourceType>6<\/rasd:ResourceType>\s*<\/Item>/, '') },
      /no SCSI controller/,
    ],
    ['a VirtualSCSI controller', { ovf: (o: string) => o.replace('>lsilogic<', '>VirtualSCSI<') }, /use lsilogic/],
    [
      'a missing property',
      { ovf: (o: string) => o.replace('ovf:key="stackhouse.cloud.floating_range"', 'ovf:key="other"') },
      /no property stackhouse\.cloud\.floating_range/,
    ],
    [
      'a password shown in clear',
      { ovf: (o: string) => o.replace(' ovf:password="true"', '') },
      /stackhouse\.admin_password is a password but lacks ovf:password/,
    ],
    ['a hardware version too new', { ovf: (o: string) => o.replace('vmx-13', 'vmx-22') }, /vmx-22 is outside vmx-13…vmx-21/],
    [
      'a list of hardware versions',
      { ovf: (o: string) => o.replace('vmx-13', 'vmx-13 vmx-14') },
      /"vmx-13 vmx-14" is not one hardware family/,
    ],
    ['no guestInfo transport', { ovf: (o: string) => o.replace('com.vmware.guestInfo iso', 'iso') }, /lacks com\.vmware\.guestInfo/],
    ['an E1000 network adapter', { ovf: (o: string) => o.replace('>VmxNet3<', '>E1000<') }, /use VmxNet3/],
    ['malformed XML', { ovf: (o: string) => o.replace('</References>', '') }, /not well-formed XML/],
    [
      'a document type declaration',
      { ovf: (o: string) => o.replace('?>', '?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>') },
      /document type declaration/,
    ],
    ['a POSIX ustar header', { patch: (t: Buffer) => setField(t, 0, 257, 'ustar\x0000') }, /not a GNU tar header/],
    ['a member owned by a user', { patch: (t: Buffer) => setField(t, 0, 108, '0001750\0') }, /owner 1000:0/],
    ['a damaged header', { patch: (t: Buffer) => (t[10] = 0x41) }, /checksum/],
  ])('refuses %s', async (label, change, message) => {
    const problems = await broken(label.replace(/\W+/g, '-'), change)
    expect(problems.join('\n')).toMatch(message)
  })
})
