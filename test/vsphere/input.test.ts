// SPDX-License-Identifier: Apache-2.0
// What `vsphere deploy-appliance` refuses before it reaches any vSphere: hostile or
// mistyped URLs, a password on the command line, a missing or non-PEM CA file, a
// missing OVA. Each is an input or usage error with the fix, never exit 70.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageRoot } from '../../installer/paths.ts'
import { VsphereError } from '../../installer/vsphere/errors.ts'
import { moRef, sdkEndpoint, xsiType } from '../../installer/vsphere/soap.ts'
import { parseXml, type XmlNode } from '../../installer/xml.ts'

const bin = join(packageRoot, 'bin', 'stackhouse.js')
const dir = mkdtempSync(join(tmpdir(), 'stackhouse-vsphere-input-'))
const ova = join(dir, 'x.ova')
writeFileSync(ova, 'not really an ova')
const base = ['vsphere', 'deploy-appliance', ova, '--url', 'vc.example.com', '--user', 'u', '--datastore', 'd', '--network', 'n']

function run(args: string[], input = 'password\n') {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '1' } })
  return { code: r.status, all: r.stdout + r.stderr }
}

describe('vSphere endpoints', () => {
  it('makes https://host/sdk of a host name or an https URL', () => {
    expect(sdkEndpoint('vc.example.com')).toBe('https://vc.example.com/sdk')
    expect(sdkEndpoint('https://vc.example.com')).toBe('https://vc.example.com/sdk')
    expect(sdkEndpoint('https://10.0.0.5:8443/sdk')).toBe('https://10.0.0.5:8443/sdk')
  })

  it.each([
    ['http://vc.example.com', /https only/],
    ['https://admin:secret@vc.example.com', /carries a user or password/],
    ['https://[', /is not a URL or host name/],
    ['file:///etc/passwd', /https only/],
  ])('refuses %s as an input error', (url, message) => {
    let e: unknown
    try {
      sdkEndpoint(url)
    } catch (x) {
      e = x
    }
    expect(e).toBeInstanceOf(VsphereError)
    expect((e as VsphereError).kind).toBe('input')
    expect((e as Error).message).toMatch(message)
  })
})

describe("vSphere's answers", () => {
  it('reads a reference whose element also carries xsi:type, in the order vCenter writes them', () => {
    // GIVEN a property value as vCenter sends it (type first, then xsi:type), and as the simulator does
    const vcenter = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="Datacenter">datacenter-3</obj>
      <propSet><name>vmFolder</name><val type="Folder" xsi:type="ManagedObjectReference">group-v4</val></propSet></objects></returnval>
      </RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>`
    const simulator = vcenter.replace(
      'type="Folder" xsi:type="ManagedObjectReference"',
      'XMLSchema-instance:type="ManagedObjectReference" type="Folder"',
    )
    for (const answer of [vcenter, simulator]) {
      const doc = parseXml(answer, ['returnval', 'objects', 'propSet'], { dropPrefixes: true }) as XmlNode
      const body = (doc['Envelope'] as XmlNode)['Body'] as XmlNode
      const objects = ((body['RetrievePropertiesExResponse'] as XmlNode)['returnval'] as XmlNode[])[0]!['objects'] as XmlNode[]
      const val = (objects[0]!['propSet'] as XmlNode[])[0]!['val']
      // THEN the reference is the Folder, and its xsi:type is read apart from it
      expect(moRef(val)).toEqual({ type: 'Folder', value: 'group-v4' })
      expect(xsiType(val)).toBe('ManagedObjectReference')
      expect(moRef(objects[0]!['obj'])).toEqual({ type: 'Datacenter', value: 'datacenter-3' })
    }
  })
})

describe('vsphere deploy-appliance: refused input', () => {
  it.each([
    [
      'a password in a setting',
      [...base, '--password-stdin', '--set', `admin_password=${randomBytes(9).toString('hex')}`],
      2,
      /a password never goes on the command line/,
    ],
    ['no --password-stdin', base, 2, /read from standard input/],
    ['a setting without =', [...base, '--password-stdin', '--set', 'hostname'], 2, /expected KEY=VALUE/],
    ['a bad timeout', [...base, '--password-stdin', '--timeout', '0'], 2, /minutes from 1 to 240/],
    ['a missing CA file', [...base, '--password-stdin', '--ca-file', join(dir, 'none.pem')], 2, /no such file/],
    ['a CA file that is not PEM', [...base, '--password-stdin', '--ca-file', ova], 2, /not a PEM certificate/],
    ['a missing OVA', ['vsphere', 'deploy-appliance', join(dir, 'none.ova'), ...base.slice(3), '--password-stdin'], 2, /no such file/],
    ['an http URL', [...base.slice(0, 3), '--url', 'http://vc', ...base.slice(5), '--password-stdin'], 1, /https only/],
  ])('%s', (_, args, code, message) => {
    const r = run(args)
    expect(r.all).toMatch(message)
    expect(r.code).toBe(code)
  })
})
