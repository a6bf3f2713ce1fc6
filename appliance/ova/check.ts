// SPDX-License-Identifier: Apache-2.0
// Our own OVA checker: what vSphere and ovftool refuse, found before an evaluator
// meets it. Every problem is a sentence that names the file and what to change.
import { closeSync, openSync, readSync } from 'node:fs'
import { settings, propertyPrefix } from '../settings.ts'
import { asArray, parseXml, textOf, type XmlNode, type XmlValue } from '../../installer/xml.ts'
import { readTarHeaders, type TarHeader } from './gnu-tar.ts'
import { parseManifest, sha256File } from './manifest.ts'
import { minimums } from './ovf.ts'

export interface OvaCheck {
  problems: string[]
  /** The members in archive order, with their sizes. */
  members: { name: string; size: number }[]
}

/** The highest hardware version a current ESXi (8.0 U2+) runs. */
const maxVmx = 21

export async function checkOva(file: string): Promise<OvaCheck> {
  let headers: TarHeader[]
  try {
    headers = readTarHeaders(file)
  } catch (e) {
    return { problems: [`${file}: not a readable tar archive: ${(e as Error).message}`], members: [] }
  }
  const members = headers.map((h) => ({ name: h.name, size: h.size }))
  const problems = [...archiveProblems(headers)]
  const ovfMember = headers.find((h) => h.name.endsWith('.ovf'))
  const mfMember = headers.find((h) => h.name.endsWith('.mf'))
  if (!ovfMember) return { problems: [...problems, 'no .ovf descriptor in the archive'], members }
  const ovfText = readMember(file, ovfMember).toString('utf8')
  if (mfMember) problems.push(...(await manifestProblems(file, headers, mfMember)))
  else problems.push('no .mf manifest: vSphere warns, and nothing proves the disk arrived whole')
  let ovf: XmlNode
  try {
    ovf = parseXml(ovfText, listElements)
  } catch (e) {
    return { problems: [...problems, `${ovfMember.name}: not well-formed XML: ${(e as Error).message}`], members }
  }
  problems.push(...descriptorProblems(ovfMember.name, ovf, headers))
  return { problems, members }
}

const listElements = ['File', 'Disk', 'Item', 'Property', 'Category', 'vmw:Config', 'Network']

function archiveProblems(headers: TarHeader[]): string[] {
  const problems: string[] = []
  if (headers[0] && !headers[0].name.endsWith('.ovf'))
    problems.push(`the first member is ${headers[0].name}: vSphere reads the .ovf first, so it must come first`)
  const mf = headers.findIndex((h) => h.name.endsWith('.mf'))
  if (mf > 1) problems.push(`the manifest is member ${mf + 1}: put it right after the .ovf`)
  for (const h of headers) {
    if (h.magic !== 'ustar  \0') problems.push(`${h.name}: not a GNU tar header (magic ${JSON.stringify(h.magic)}): write GNU tar`)
    if (h.type !== '0') problems.push(`${h.name}: not a regular file (type ${h.type})`)
    if (h.uid !== 0 || h.gid !== 0) problems.push(`${h.name}: owner ${h.uid}:${h.gid}: members are owned by 0:0`)
    if (h.mode !== 0o644) problems.push(`${h.name}: mode ${h.mode.toString(8)}: members are mode 0644`)
  }
  return problems
}

function readMember(file: string, h: TarHeader, max = 4 * 1024 * 1024): Buffer {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(Math.min(h.size, max))
    readSync(fd, buf, 0, buf.length, h.offset)
    return buf
  } finally {
    closeSync(fd)
  }
}

async function manifestProblems(file: string, headers: TarHeader[], mf: TarHeader): Promise<string[]> {
  const { entries, error } = parseManifest(readMember(file, mf).toString('utf8'))
  if (error) return [`${mf.name}: ${error} (OpenSSL 3's "SHA2-256(...)" and "sha256sum --tag" are refused by vCenter)`]
  const problems: string[] = []
  for (const h of headers.filter((x) => x !== mf)) {
    const entry = entries.find((e) => e.file === h.name)
    if (!entry) {
      problems.push(`${mf.name}: no line for ${h.name}`)
      continue
    }
    if (entry.algorithm !== 'SHA256') problems.push(`${mf.name}: ${h.name} is hashed with ${entry.algorithm}: use SHA256`)
    else if ((await sha256File(file, { start: h.offset, length: h.size })) !== entry.sha256)
      problems.push(`${mf.name}: the SHA256 of ${h.name} does not match the file in the archive`)
  }
  for (const e of entries)
    if (!headers.some((h) => h.name === e.file)) problems.push(`${mf.name}: lists ${e.file}, which is not in the archive`)
  return problems
}

const node = (v: XmlValue | undefined): XmlNode | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v : undefined)

function descriptorProblems(name: string, ovf: XmlNode, headers: TarHeader[]): string[] {
  const envelope = node(ovf['Envelope'])
  if (!envelope) return [`${name}: no Envelope element: not an OVF descriptor`]
  const problems: string[] = []
  const files = asArray<XmlNode>(node(envelope['References'])?.['File'])
  for (const f of files) {
    const href = f['@_ovf:href'] as string
    const member = headers.find((h) => h.name === href)
    if (!member) problems.push(`${name}: References names ${href}, which is not in the archive`)
    else if (String(member.size) !== f['@_ovf:size'])
      problems.push(`${name}: ovf:size of ${href} is ${f['@_ovf:size'] ?? 'missing'}, the file is ${member.size} bytes`)
  }
  for (const h of headers.slice(1))
    if (!h.name.endsWith('.mf') && !files.some((f) => f['@_ovf:href'] === h.name))
      problems.push(`${name}: ${h.name} is in the archive but not in References`)
  const disks = asArray<XmlNode>(node(envelope['DiskSection'])?.['Disk'])
  if (!disks.length) problems.push(`${name}: no DiskSection with a Disk`)
  for (const d of disks) {
    const ref = d['@_ovf:fileRef'] as string | undefined
    if (ref && !files.some((f) => f['@_ovf:id'] === ref))
      problems.push(`${name}: disk ${d['@_ovf:diskId']} refers to file ${ref}, which References does not have`)
  }
  if (!asArray<XmlNode>(node(envelope['NetworkSection'])?.['Network']).length) problems.push(`${name}: no NetworkSection with a Network`)
  const system = node(envelope['VirtualSystem'])
  if (!system) return [...problems, `${name}: no VirtualSystem`]
  problems.push(...hardwareProblems(name, node(system['VirtualHardwareSection']), disks))
  problems.push(...productProblems(name, node(system['ProductSection'])))
  return problems
}

function hardwareProblems(name: string, hw: XmlNode | undefined, disks: XmlNode[]): string[] {
  if (!hw) return [`${name}: no VirtualHardwareSection`]
  const problems: string[] = []
  const transport = String(hw['@_ovf:transport'] ?? '')
  if (!transport.split(' ').includes('com.vmware.guestInfo'))
    problems.push(`${name}: VirtualHardwareSection's ovf:transport lacks com.vmware.guestInfo: the settings would never reach the guest`)
  const type = textOf(node(hw['System'])?.['vssd:VirtualSystemType'])
  const vmx = /^vmx-(\d+)$/.exec(type)
  if (!vmx) problems.push(`${name}: VirtualSystemType "${type}" is not one hardware family "vmx-NN"`)
  else if (Number(vmx[1]) < minimums.vmx || Number(vmx[1]) > maxVmx)
    problems.push(`${name}: ${type} is outside vmx-${minimums.vmx}…vmx-${maxVmx}, which the ESXi versions we support run`)
  const items = asArray<XmlNode>(hw['Item'])
  const of = (t: string) => items.filter((i) => textOf(i['rasd:ResourceType']) === t)
  const scsi = of('6')
  if (!scsi.length) problems.push(`${name}: no SCSI controller (ResourceType 6): the disks have nothing to attach to`)
  for (const c of scsi)
    if (textOf(c['rasd:ResourceSubType']) !== 'lsilogic')
      problems.push(`${name}: SCSI controller subtype "${textOf(c['rasd:ResourceSubType'])}": use lsilogic (ovftool refuses VirtualSCSI)`)
  const scsiIds = scsi.map((c) => textOf(c['rasd:InstanceID']))
  for (const d of disks) {
    const attached = of('17').find((i) => textOf(i['rasd:HostResource']) === `ovf:/disk/${d['@_ovf:diskId']}`)
    if (!attached) problems.push(`${name}: disk ${d['@_ovf:diskId']} has no disk item (ResourceType 17)`)
    else if (!scsiIds.includes(textOf(attached['rasd:Parent'])))
      problems.push(`${name}: disk ${d['@_ovf:diskId']} is not on the SCSI controller`)
  }
  const nics = of('10')
  if (!nics.length) problems.push(`${name}: no network adapter (ResourceType 10)`)
  for (const n of nics)
    if (textOf(n['rasd:ResourceSubType']) !== 'VmxNet3')
      problems.push(`${name}: network adapter "${textOf(n['rasd:ResourceSubType'])}": use VmxNet3`)
  if (!of('3').length || !of('4').length) problems.push(`${name}: CPU (ResourceType 3) or memory (ResourceType 4) missing`)
  return problems
}

function productProblems(name: string, product: XmlNode | undefined): string[] {
  if (!product) return [`${name}: no ProductSection: vSphere would ask for no settings`]
  const problems: string[] = []
  const properties = asArray<XmlNode>(product['Property'])
  for (const s of settings) {
    const key = `${propertyPrefix}${s.key}`
    const p = properties.find((x) => x['@_ovf:key'] === key)
    if (!p) problems.push(`${name}: ProductSection has no property ${key}`)
    else if (s.password && p['@_ovf:password'] !== 'true')
      problems.push(`${name}: property ${key} is a password but lacks ovf:password="true": vSphere would show it`)
    else if (p['@_ovf:userConfigurable'] !== 'true')
      problems.push(`${name}: property ${key} lacks ovf:userConfigurable="true": the wizard would not ask for it`)
  }
  return problems
}
