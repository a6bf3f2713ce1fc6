// SPDX-License-Identifier: Apache-2.0
// An OVF into vSphere as a VM: CreateImportSpec (names, network, properties, thin
// disks), ImportVApp, then the HttpNfcLease: wait until it is ready, send each disk
// to its device URL (streamOptimized VMDK, by POST) while telling the lease how far
// it got, and complete it. Anything that fails or is interrupted on the way aborts
// the lease and removes the half-made VM: nothing is left behind.
import type { Readable } from 'node:stream'
import { asArray, attr, el, parseXml, textOf, type XmlNode } from '../xml.ts'
import { VsphereError } from './errors.ts'
import { moRef, ref, xsiType, type MoRef } from './soap.ts'
import type { Placement } from './placement.ts'
import type { VsphereSession } from './session.ts'
import { destroyVm, findVm } from './vm.ts'

export interface OvfDisk {
  /** The file's name in the OVF's References (ovf:href). */
  href: string
  size: number
  /** Its bytes, opened when the lease asks for them. */
  open(): Readable
}

export interface OvfImport {
  /** The .ovf descriptor's text. */
  descriptor: string
  disks: OvfDisk[]
  vmName: string
  /** ProductSection properties (key → value): set as the VM's vApp properties. */
  properties: Record<string, string>
  placement: Placement
  /** Bytes sent so far of all disks, and their total. */
  onProgress?: (sent: number, total: number) => void
  /** Aborts the import (the lease is aborted and the VM removed). */
  signal?: AbortSignal
}

const streamVmdk = 'application/x-vnd.vmware-streamVmdk'

/** The OVF's network names (NetworkSection), each mapped to the placement's network. */
function ovfNetworks(descriptor: string): string[] {
  const doc = parseXml(descriptor, ['Network'], { dropPrefixes: true })
  const section = ((doc['Envelope'] as XmlNode | undefined)?.['NetworkSection'] ?? {}) as XmlNode
  return asArray<XmlNode>(section['Network']).map((n) => attr(n, 'name') ?? '')
}

/**
 * The import spec exactly as vSphere gave it, as ImportVApp's `spec`. Interleaved
 * elements keep their order only as text. xsi:type is written as xsi (some servers
 * name the namespace in full, declared on an element that is not sent back).
 */
export function importSpecFragment(answer: string): string {
  const start = answer.search(/<importSpec[\s>]/)
  const end = answer.lastIndexOf('</importSpec>')
  if (start < 0 || end < start) throw new VsphereError('vSphere answered CreateImportSpec without an import spec', 'hosts')
  return answer
    .slice(start, end + '</importSpec>'.length)
    .replace(/\s+xmlns:XMLSchema-instance="[^"]*"/g, '')
    .replace(/XMLSchema-instance:type=/g, 'xsi:type=')
    .replace(/^<importSpec/, '<spec')
    .replace(/<\/importSpec>$/, '</spec>')
}

export async function importOvf(s: VsphereSession, o: OvfImport): Promise<MoRef> {
  const p = o.placement
  // Checked first: a VM of that name is someone's, and an import must never end by removing it.
  if (await findVm(s, o.vmName))
    throw new VsphereError(
      `a VM called ${o.vmName} exists already`,
      'input',
      'choose another name, or remove that VM first',
      'DuplicateName',
    )
  const cisp = el(
    'cisp',
    {},
    el('locale', {}, ''),
    el('deploymentOption', {}, ''),
    el('entityName', {}, o.vmName),
    // In the schema's order: hostSystem, networkMapping, then propertyMapping.
    ...(p.host ? [ref('hostSystem', p.host)] : []),
    ...ovfNetworks(o.descriptor).map((name) => el('networkMapping', {}, el('name', {}, name), ref('network', p.network))),
    ...Object.entries(o.properties).map(([key, value]) => el('propertyMapping', {}, el('key', {}, key), el('value', {}, value))),
    el('diskProvisioning', {}, 'thin'),
  )
  const created = await s.soap.callRaw(
    'CreateImportSpec',
    s.content.ovfManager,
    el('ovfDescriptor', {}, o.descriptor),
    ref('resourcePool', p.pool),
    ref('datastore', p.datastore),
    cisp,
  )
  const result = (created.values[0] ?? {}) as XmlNode
  const errors = asArray<XmlNode>(result['error']).map((e) => textOf(e['localizedMessage']) || xsiType(e))
  if (errors.length) throw new VsphereError(`vSphere cannot import the OVF: ${errors.join('; ')}`, 'input')
  const fileItems = asArray<XmlNode>(result['fileItem']).map((f) => ({ deviceId: textOf(f['deviceId']), path: textOf(f['path']) }))
  const spec = importSpecFragment(created.raw)
  const folder = `<folder type="Folder">${p.vmFolder.value}</folder>`
  const host = p.host ? `<host type="HostSystem">${p.host.value}</host>` : ''
  const lease = moRef((await s.soap.callWithXml('ImportVApp', p.pool, `${spec}${folder}${host}`))[0])
  let vm: MoRef | undefined
  try {
    const info = await leaseReady(s, lease, o.signal)
    vm = info.entity
    const total = o.disks.reduce((n, d) => n + d.size, 0)
    let sent = 0
    let told = 0
    const keepAlive = setInterval(() => {
      const percent = total ? Math.min(99, Math.floor((sent / total) * 100)) : 0
      if (percent !== told)
        void s.soap.call('HttpNfcLeaseProgress', lease, el('percent', {}, String((told = percent)))).catch(() => undefined)
    }, 5000)
    try {
      for (const item of fileItems) {
        const disk = o.disks.find((d) => d.href === item.path)
        if (!disk) throw new VsphereError(`the OVF names ${item.path}, which the OVA does not hold`, 'input')
        const device = info.urls.find((u) => u.importKey === item.deviceId)
        if (!device) throw new VsphereError(`vSphere gave no upload URL for ${item.path}`, 'hosts')
        await upload(s, device.url, disk, o.signal, (n) => {
          sent += n
          o.onProgress?.(sent, total)
        })
      }
    } finally {
      clearInterval(keepAlive)
    }
    if (o.signal?.aborted) throw new VsphereError('the import was interrupted', 'hosts')
    await s.soap.call('HttpNfcLeaseComplete', lease)
    return vm
  } catch (e) {
    await s.soap.call('HttpNfcLeaseAbort', lease).catch(() => undefined)
    if (vm) await destroyVm(s, vm).catch(() => undefined)
    throw e
  }
}

interface LeaseInfo {
  entity: MoRef
  urls: { importKey: string; url: string }[]
}

/** Wait until the lease is ready (vSphere made the VM and its disks), and read where the disks go. */
async function leaseReady(s: VsphereSession, lease: MoRef, signal?: AbortSignal): Promise<LeaseInfo> {
  const deadline = Date.now() + 10 * 60_000
  for (;;) {
    if (signal?.aborted) throw new VsphereError('the import was interrupted', 'hosts')
    const props = await s.get(lease, ['state', 'error', 'info'])
    const state = textOf(props['state'])
    if (state === 'ready') {
      const info = props['info'] as XmlNode
      const host = s.soap.host
      return {
        entity: moRef(info['entity']),
        urls: asArray<XmlNode>(info['deviceUrl']).map((u) => ({
          importKey: textOf(u['importKey']),
          // An ESXi host's URL may name itself `*`: the address we reached vSphere at.
          url: textOf(u['url']).replace('://*', `://${host}`),
        })),
      }
    }
    if (state === 'error')
      throw new VsphereError(
        `vSphere could not prepare the import: ${textOf((props['error'] as XmlNode | undefined)?.['localizedMessage']) || 'no message'}`,
        'hosts',
      )
    if (Date.now() > deadline) throw new VsphereError('the import lease did not become ready in 10 min', 'hosts')
    await new Promise((r) => setTimeout(r, 500))
  }
}

async function upload(
  s: VsphereSession,
  url: string,
  disk: OvfDisk,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<void> {
  const stream = disk.open()
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw new VsphereError('the import was interrupted', 'hosts')
      onBytes(chunk.length)
      yield chunk
    }
  }
  try {
    const res = await s.soap.fetch(url, {
      method: 'POST',
      headers: { 'content-type': streamVmdk, 'content-length': String(disk.size) },
      body: counted(),
      duplex: 'half',
      ...(signal ? { signal } : {}),
    })
    if (!res.ok) throw new VsphereError(`uploading ${disk.href} failed: ${res.status} ${(await res.text()).slice(0, 200)}`, 'hosts')
  } finally {
    stream.destroy()
  }
}
