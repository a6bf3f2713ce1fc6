// SPDX-License-Identifier: Apache-2.0
// The OVF descriptor of the appliance, as vSphere reads it: OVF 1.x items only
// (OVF 2.0's StorageItem is "Unsupported element"), lsilogic SCSI (every VMware and
// VirtualBox knows it), VMXNET3, a CD-ROM for the ISO transport, an empty data disk
// made at deploy time (no file reference), and the settings as ProductSection
// properties grouped as the wizard shows them.
import { propertyPrefix, settings, type Setting } from '../settings.ts'
import { el, toXml, type XmlElement } from '../../installer/xml.ts'

export interface OvfSpec {
  /** The virtual machine's name and the files' stem, e.g. stackhouse-0.1.0. */
  name: string
  version: string
  /** vSphere hardware version: 13 runs on ESXi 6.5 and newer; a newer host can take a higher one. @default 13 */
  vmx?: number
  /** @default 4 */
  cpus?: number
  /** @default 16384 */
  memoryMiB?: number
  /** The system disk: its file in the OVA, that file's size, the disk's capacity and how much of it holds data. */
  systemDisk: { file: string; fileBytes: number; capacityBytes: number; populatedBytes?: number }
  /** The empty second disk for Ceph and Swift data, created by vSphere at deploy; 0: none (the system disk holds the data). @default 100 */
  dataDiskGiB?: number
}

/** Below these the all-in-one cloud does not fit (measured: 4.3 GiB resident after verify, 2 cores deploy it). */
export const minimums = { cpus: 2, memoryMiB: 8192, vmx: 13 } as const
export const defaults = { cpus: 4, memoryMiB: 16384, vmx: 13, dataDiskGiB: 100 } as const

const ns = {
  xmlns: 'http://schemas.dmtf.org/ovf/envelope/1',
  'xmlns:ovf': 'http://schemas.dmtf.org/ovf/envelope/1',
  'xmlns:rasd': 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData',
  'xmlns:vssd': 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData',
  'xmlns:vmw': 'http://www.vmware.com/schema/ovf',
  'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
}
/** The data disk's size in GiB; 0 for none. */
const dataDisk = (spec: OvfSpec): number => spec.dataDiskGiB ?? defaults.dataDiskGiB

export const streamOptimized = 'http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized'
/** The one network the appliance's NIC joins; vSphere asks which port group it maps to. */
export const networkName = 'VM Network'

export function ovfDescriptor(spec: OvfSpec): string {
  const vmx = spec.vmx ?? defaults.vmx
  const cpus = spec.cpus ?? defaults.cpus
  const memory = spec.memoryMiB ?? defaults.memoryMiB
  if (!Number.isInteger(vmx) || vmx < minimums.vmx) throw new RangeError(`vmx ${vmx}: at least ${minimums.vmx}`)
  if (!Number.isInteger(cpus) || cpus < minimums.cpus) throw new RangeError(`${cpus} CPUs: at least ${minimums.cpus}`)
  if (!Number.isInteger(memory) || memory < minimums.memoryMiB)
    throw new RangeError(`${memory} MiB of memory: at least ${minimums.memoryMiB}`)
  const disk = spec.systemDisk
  const text = (name: string, value: string) => el(name, {}, value)
  return toXml(
    el(
      'Envelope',
      ns,
      el('References', {}, el('File', { 'ovf:href': disk.file, 'ovf:id': 'file1', 'ovf:size': String(disk.fileBytes) })),
      el(
        'DiskSection',
        {},
        text('Info', 'Virtual disk information'),
        el('Disk', {
          'ovf:capacity': String(disk.capacityBytes),
          'ovf:capacityAllocationUnits': 'byte',
          'ovf:diskId': 'vmdisk1',
          'ovf:fileRef': 'file1',
          'ovf:format': streamOptimized,
          'ovf:populatedSize': disk.populatedBytes === undefined ? undefined : String(disk.populatedBytes),
        }),
        // No file: vSphere creates it empty at deploy.
        ...(dataDisk(spec)
          ? [
              el('Disk', {
                'ovf:capacity': String(dataDisk(spec)),
                'ovf:capacityAllocationUnits': 'byte * 2^30',
                'ovf:diskId': 'vmdisk2',
                'ovf:format': streamOptimized,
              }),
            ]
          : []),
      ),
      el(
        'NetworkSection',
        {},
        text('Info', 'The logical networks'),
        el('Network', { 'ovf:name': networkName }, text('Description', 'Management, API and floating-IP network of the cloud')),
      ),
      el(
        'VirtualSystem',
        { 'ovf:id': spec.name },
        text('Info', 'Stackhouse: an all-in-one OpenStack cloud'),
        text('Name', spec.name),
        // CIM 96 is Debian 64-bit; debian10_64Guest is the newest Debian type ESXi 6.5 (vmx-13) knows.
        el('OperatingSystemSection', { 'ovf:id': '96', 'vmw:osType': 'debian10_64Guest' }, text('Info', 'Debian GNU/Linux 12 (64-bit)')),
        hardware(spec.name, vmx, cpus, memory, dataDisk(spec) > 0),
        product(spec.version),
        el(
          'AnnotationSection',
          {},
          text('Info', 'How to use it'),
          text(
            'Annotation',
            'Power it on: the console shows the address, the progress, then the dashboard URL and where the credentials are.',
          ),
        ),
      ),
    ),
  )
}

/** A virtual hardware item; rasd elements in the schema's (alphabetical) order. */
function item(fields: Record<string, string>, required = true): XmlElement {
  const sorted = Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))
  return el('Item', required ? {} : { 'ovf:required': 'false' }, ...sorted.map(([k, v]) => el(`rasd:${k}`, {}, v)))
}

function hardware(name: string, vmx: number, cpus: number, memoryMiB: number, withDataDisk: boolean): XmlElement {
  const config = (key: string, value: string) => el('vmw:Config', { 'ovf:required': 'false', 'vmw:key': key, 'vmw:value': value })
  return el(
    'VirtualHardwareSection',
    // The OVF environment reaches the guest through VMware Tools, or as a CD where they do not run.
    { 'ovf:transport': 'com.vmware.guestInfo iso' },
    el('Info', {}, 'Virtual hardware requirements'),
    el(
      'System',
      {},
      el('vssd:ElementName', {}, 'Virtual Hardware Family'),
      el('vssd:InstanceID', {}, '0'),
      el('vssd:VirtualSystemIdentifier', {}, name),
      el('vssd:VirtualSystemType', {}, `vmx-${String(vmx).padStart(2, '0')}`),
    ),
    item({
      AllocationUnits: 'hertz * 10^6',
      Description: 'Number of virtual CPUs',
      ElementName: `${cpus} virtual CPU(s)`,
      InstanceID: '1',
      ResourceType: '3',
      VirtualQuantity: String(cpus),
    }),
    item({
      AllocationUnits: 'byte * 2^20',
      Description: 'Memory size',
      ElementName: `${memoryMiB}MB of memory`,
      InstanceID: '2',
      ResourceType: '4',
      VirtualQuantity: String(memoryMiB),
    }),
    item({
      Address: '0',
      Description: 'SCSI Controller',
      ElementName: 'SCSI Controller 0',
      InstanceID: '3',
      ResourceSubType: 'lsilogic',
      ResourceType: '6',
    }),
    item({ Address: '0', Description: 'IDE Controller', ElementName: 'IDE 0', InstanceID: '4', ResourceType: '5' }),
    item(
      {
        AddressOnParent: '0',
        AutomaticAllocation: 'false',
        ElementName: 'CD-ROM 1',
        InstanceID: '5',
        Parent: '4',
        ResourceSubType: 'vmware.cdrom.remotepassthrough',
        ResourceType: '15',
      },
      false,
    ),
    item({
      AddressOnParent: '0',
      ElementName: 'Hard Disk 1 (system)',
      HostResource: 'ovf:/disk/vmdisk1',
      InstanceID: '6',
      Parent: '3',
      ResourceType: '17',
    }),
    ...(withDataDisk
      ? [
          item({
            AddressOnParent: '1',
            ElementName: 'Hard Disk 2 (data)',
            HostResource: 'ovf:/disk/vmdisk2',
            InstanceID: '7',
            Parent: '3',
            ResourceType: '17',
          }),
        ]
      : []),
    item({
      AddressOnParent: '7',
      AutomaticAllocation: 'true',
      Connection: networkName,
      Description: `VmxNet3 ethernet adapter on "${networkName}"`,
      ElementName: 'Network adapter 1',
      InstanceID: '8',
      ResourceSubType: 'VmxNet3',
      ResourceType: '10',
    }),
    item({ ElementName: 'Video card', InstanceID: '9', ResourceType: '24' }, false),
    // Cloud guests run under KVM inside the appliance instead of emulation.
    config('nestedHVEnabled', 'true'),
    config('firmware', 'bios'),
    // Power off and reset through the guest, so services and guests stop cleanly.
    config('powerOpInfo.powerOffType', 'soft'),
    config('powerOpInfo.resetType', 'soft'),
  )
}

function product(version: string): XmlElement {
  const children: XmlElement[] = [
    el('Info', {}, 'Settings applied on first boot'),
    el('Product', {}, 'Stackhouse'),
    el('Vendor', {}, 'Stackhouse'),
    el('Version', {}, version),
    el('FullVersion', {}, `Stackhouse ${version}: OpenStack Zed on Debian 12`),
  ]
  // A Category groups the properties after it in the deploy wizard.
  for (const category of [...new Set(settings.map((s) => s.category))]) {
    children.push(el('Category', {}, category))
    for (const s of settings.filter((x) => x.category === category)) children.push(property(s))
  }
  return el('ProductSection', { 'ovf:required': 'false' }, ...children)
}

/** vSphere's qualifiers of a setting: a drop-down's values, length bounds. */
function qualifiers(s: Setting): string | undefined {
  const q = [
    ...(s.choices ? [`ValueMap{${s.choices.map((c) => `"${c}"`).join(',')}}`] : []),
    ...(s.minLength ? [`MinLen(${s.minLength})`] : []),
    ...(s.maxLength ? [`MaxLen(${s.maxLength})`] : []),
  ]
  return q.length ? q.join(',') : undefined
}

function property(s: Setting): XmlElement {
  return el(
    'Property',
    {
      'ovf:key': `${propertyPrefix}${s.key}`,
      'ovf:type': s.type,
      'ovf:userConfigurable': 'true',
      'ovf:value': s.default,
      'ovf:password': s.password ? 'true' : undefined,
      'ovf:qualifiers': qualifiers(s),
    },
    el('Label', {}, s.label),
    el('Description', {}, s.description),
  )
}
