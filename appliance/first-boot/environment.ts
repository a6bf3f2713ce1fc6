// SPDX-License-Identifier: Apache-2.0
// An OVF environment document, as vSphere hands one to a VM: for a CD or seed
// folder where no vSphere is (QEMU, containers, the tests).
import { propertyPrefix } from '../settings.ts'
import { el, toXml } from '../../installer/xml.ts'

const ns = 'http://schemas.dmtf.org/ovf/environment/1'

/** The document for these settings (keys with or without the stackhouse. prefix). */
export function ovfEnvironment(values: Record<string, string>): string {
  const props = Object.entries(values).map(([k, v]) =>
    el('Property', { 'oe:key': k.startsWith(propertyPrefix) ? k : `${propertyPrefix}${k}`, 'oe:value': v }),
  )
  return `${toXml(el('Environment', { xmlns: ns, 'xmlns:oe': ns }, el('PropertySection', {}, ...props)))}`
}
