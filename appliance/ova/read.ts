// SPDX-License-Identifier: Apache-2.0
// An OVA opened for an import: its descriptor's text, and each disk the descriptor
// references as a byte range of the archive, read when the upload asks for it.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs'
import type { OvfDisk } from '../../installer/vsphere/import.ts'
import { FixableError } from '../../installer/errors.ts'
import { attr, parseXml, type XmlNode } from '../../installer/xml.ts'
import { readTarHeaders } from './gnu-tar.ts'

export interface OvaSource {
  descriptor: string
  disks: OvfDisk[]
  /** The ProductSection's property keys, for checking what a caller sets. */
  propertyKeys: string[]
}

export function readOva(file: string): OvaSource {
  const members = readTarHeaders(file)
  const ovf = members[0]
  if (!ovf || !ovf.name.endsWith('.ovf'))
    throw new FixableError(`${file}: the first file of an OVA must be its .ovf`, { fix: 'build it with stackhouse appliance build' })
  // Only the descriptor is read now: the disks may be gigabytes.
  const bytes = Buffer.alloc(ovf.size)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, bytes, 0, ovf.size, ovf.offset)
  } finally {
    closeSync(fd)
  }
  const descriptor = bytes.toString('utf8')
  const doc = parseXml(descriptor, ['File', 'Property', 'ProductSection'], { dropPrefixes: true })
  const env = doc['Envelope'] as XmlNode
  const files = ((env['References'] as XmlNode | undefined)?.['File'] ?? []) as XmlNode[]
  const disks = files.map((f): OvfDisk => {
    const href = attr(f, 'href') ?? ''
    const m = members.find((x) => x.name === href)
    if (!m) throw new FixableError(`${file}: the OVF references ${href}, which is not in the archive`, { fix: 'build the OVA again' })
    return { href, size: m.size, open: () => createReadStream(file, { start: m.offset, end: m.offset + m.size - 1 }) }
  })
  const system = (env['VirtualSystem'] ?? {}) as XmlNode
  const propertyKeys = ((system['ProductSection'] ?? []) as XmlNode[]).flatMap((p) =>
    ((p['Property'] ?? []) as XmlNode[]).map((x) => attr(x, 'key') ?? ''),
  )
  return { descriptor, disks, propertyKeys }
}
