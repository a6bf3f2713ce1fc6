// SPDX-License-Identifier: Apache-2.0
// The appliance's settings as first boot reads them: from the OVF environment
// (vSphere's guestinfo.ovfEnv or an ovf-env.xml on a CD), then the kernel command
// line, then the defaults of appliance/settings.ts. Every value is hostile until
// checked; a bad one is reported with the property, where it came from and the
// fix, and is never replaced by a default.
import { closest } from '../../installer/closest.ts'
import { formatIp, parseIp } from '../../installer/inventory/net.ts'
import { reservedHostNames } from '../../installer/inventory/rules.ts'
import { minPasswordLength, propertyPrefix, settings, type Setting } from '../settings.ts'
import { parseXml, type XmlNode, type XmlValue } from '../../installer/xml.ts'

/** Where values came from, in the order they win: an earlier source's value is kept. */
export interface SettingsSource {
  /** Said in messages, e.g. "the OVF environment (guestinfo.ovfEnv)". */
  name: string
  values: Record<string, string>
}

export interface SettingsProblem {
  /** The property as the evaluator set it, e.g. stackhouse.network.address. */
  property: string
  source: string
  message: string
  fix: string
}

export interface ApplianceSettings {
  /** cloud: the all-in-one cloud here. host: a bare host for a multi-host deploy (network and SSH key only). */
  mode: 'cloud' | 'host'
  hostname: string
  network:
    | { mode: 'dhcp'; ntp: string[] }
    | { mode: 'static'; address: string; prefix: number; gateway: string; dns: string[]; ntp: string[] }
  /** Undefined: first boot generates one and shows where it is. */
  adminPassword?: string
  sshKey?: string
  floatingRange?: { start: string; end: string }
  tls: boolean
  labs: { set: string; students: number }
}

/** The properties of an OVF environment document (`<Property oe:key oe:value>` in its PropertySection). */
export function fromOvfEnvironment(xml: string): Record<string, string> {
  const doc = parseXml(xml, ['Property'])
  const env = Object.entries(doc).find(([k]) => k === 'Environment' || k.endsWith(':Environment'))?.[1] as XmlNode | undefined
  if (!env || typeof env !== 'object') throw new Error('no Environment element: not an OVF environment document')
  const section = Object.entries(env).find(([k]) => k === 'PropertySection' || k.endsWith(':PropertySection'))?.[1] as XmlNode | undefined
  const props = (section ? Object.entries(section).find(([k]) => k === 'Property' || k.endsWith(':Property'))?.[1] : []) as XmlValue[]
  const attr = (p: XmlNode, name: string) =>
    Object.entries(p).find(([k]) => k === `@_${name}` || k.endsWith(`:${name}`))?.[1] as string | undefined
  return Object.fromEntries(
    (props ?? [])
      .filter((p): p is XmlNode => typeof p === 'object' && !Array.isArray(p))
      .flatMap((p) => {
        const key = attr(p, 'key')
        return key === undefined ? [] : [[key, attr(p, 'value') ?? '']]
      }),
  )
}

/** `stackhouse.<key>=<value>` words of a kernel command line; a value may be double-quoted. */
export function fromKernelCommandLine(cmdline: string): Record<string, string> {
  const values: Record<string, string> = {}
  for (const m of cmdline.matchAll(/(?:^|\s)(stackhouse\.[\w.]+)=(?:"([^"]*)"|(\S*))/g)) values[m[1]!] = m[2] ?? m[3] ?? ''
  return values
}

const known = settings.map((s) => `${propertyPrefix}${s.key}`)

/** Merge the sources (the first to give a property wins), check every value, and build the settings. */
export function resolveSettings(sources: readonly SettingsSource[]): { settings?: ApplianceSettings; problems: SettingsProblem[] } {
  const problems: SettingsProblem[] = []
  const given = new Map<string, { value: string; source: string }>()
  for (const src of sources)
    for (const [key, value] of Object.entries(src.values)) {
      if (!key.startsWith(propertyPrefix)) continue
      if (!known.includes(key)) {
        const guess = closest(key, known)
        problems.push({
          property: key,
          source: src.name,
          message: 'is not a Stackhouse setting',
          fix: guess ? `did you mean ${guess}?` : `use one of: ${known.join(', ')}`,
        })
        continue
      }
      if (!given.has(key)) given.set(key, { value, source: src.name })
    }
  const get = (s: Setting) => given.get(`${propertyPrefix}${s.key}`) ?? { value: s.default, source: 'the default' }
  const check = new Checker(problems, (key) => get(settings.find((s) => s.key === key)!))
  for (const s of settings) check.basic(s)
  const result = check.build()
  return problems.length ? { problems } : { settings: result, problems }
}

class Checker {
  constructor(
    private readonly problems: SettingsProblem[],
    private readonly get: (key: string) => { value: string; source: string },
  ) {}

  fail(key: string, message: string, fix: string): void {
    this.problems.push({ property: `${propertyPrefix}${key}`, source: this.get(key).source, message, fix })
  }

  /** Type, choices, lengths and printable text: what each setting's row says. */
  basic(s: Setting): void {
    const { value } = this.get(s.key)
    if (/[\x00-\x1f\x7f]/.test(value))
      return this.fail(s.key, 'holds a control character (a newline, a tab…)', 'give it on one line, without control characters')
    if (s.choices && !s.choices.includes(value)) return this.fail(s.key, `is "${value}"`, `use one of: ${s.choices.join(', ')}`)
    if (s.type === 'boolean' && !/^(true|false)$/i.test(value))
      return this.fail(s.key, `is "${value}", not true or false`, 'use true or false')
    if (s.type === 'int' && !/^\d{1,9}$/.test(value))
      return this.fail(s.key, `is "${value}", not a whole number`, 'write a number such as 0 or 12')
    if (s.maxLength && value.length > s.maxLength) this.fail(s.key, `is ${value.length} characters long`, `at most ${s.maxLength}`)
  }

  text = (key: string) => this.get(key).value.trim()
  list = (key: string) =>
    this.text(key)
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)

  build(): ApplianceSettings {
    const hostname = this.text('hostname')
    // The inventory's rules for a host name: lower case, and none that /etc/hosts gives to itself.
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(hostname))
      this.fail('hostname', `"${hostname}" is not a host name`, 'lower-case letters, digits and inner hyphens, at most 63')
    else if (reservedHostNames.has(hostname))
      this.fail('hostname', `"${hostname}" is a name every machine gives itself`, "use the machine's own name")
    const password = this.get('admin_password').value
    if (password && password.length < minPasswordLength)
      this.fail(
        'admin_password',
        `is ${password.length} characters long`,
        `use at least ${minPasswordLength} characters, or leave it empty to have one generated`,
      )
    const sshKey = this.text('ssh_key')
    if (sshKey && !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\s].*)?$/.test(sshKey))
      this.fail('ssh_key', 'is not one OpenSSH public key', 'paste one line such as "ssh-ed25519 AAAA… you@example" (the .pub file)')
    const students = Number(this.text('labs.students'))
    if (students > 40) this.fail('labs.students', `is ${students}`, 'at most 40 students per appliance')
    const mode = this.text('mode') === 'host' ? 'host' : 'cloud'
    if (mode === 'host') this.hostMode(sshKey)
    return {
      mode,
      hostname,
      network: this.network(),
      ...(password ? { adminPassword: password } : {}),
      ...(sshKey ? { sshKey } : {}),
      ...this.floating(),
      tls: /^true$/i.test(this.text('cloud.tls')),
      labs: { set: this.text('labs.set'), students },
    }
  }

  /**
   * A host for a multi-host inventory: the deployer reaches it with the SSH key, so one
   * is needed; the cloud's own settings are the inventory's, so one set here would be
   * silently unused, and is refused.
   */
  private hostMode(sshKey: string): void {
    if (!sshKey)
      this.fail('ssh_key', 'is empty, but mode is host', 'give the public key the deployer logs in with: a host has no other way in')
    for (const s of settings.filter((s) => s.category === 'Cloud' || s.category === 'Labs' || s.password))
      if (s.key !== 'mode' && this.get(s.key).value !== s.default)
        this.fail(
          s.key,
          'is set, but mode is host: this VM gets no cloud of its own',
          "leave it empty; the cloud's settings are in the inventory",
        )
  }

  private addresses(key: string): string[] {
    const bad = this.list(key).filter((a) => parseIp(a) === undefined)
    if (bad.length) this.fail(key, `"${bad[0]}" is not an IPv4 address`, 'comma-separated addresses such as 192.0.2.53, 192.0.2.54')
    return this.list(key)
  }

  /** NTP servers: DNS names or IPv4 addresses (they go into a networkd file, one word each). */
  private ntpServers(): string[] {
    const name = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i
    const bad = this.list('network.ntp').filter((n) => parseIp(n) === undefined && !name.test(n))
    if (bad.length)
      this.fail(
        'network.ntp',
        `"${bad[0]}" is not a host name or an IPv4 address`,
        'comma-separated names or addresses such as ntp1.example.org, 192.0.2.123',
      )
    return this.list('network.ntp')
  }

  private network(): ApplianceSettings['network'] {
    const ntp = this.ntpServers()
    const statics = ['network.address', 'network.gateway', 'network.dns']
    if (this.text('network.mode') !== 'static') {
      for (const key of statics.filter((k) => this.text(k)))
        this.fail(key, 'is set, but network.mode is dhcp', 'set stackhouse.network.mode to static, or leave this empty')
      return { mode: 'dhcp', ntp }
    }
    const net = this.subnet()
    if (!net)
      this.fail(
        'network.address',
        this.text('network.address') ? `"${this.text('network.address')}" is not ADDRESS/PREFIX` : 'is empty, but network.mode is static',
        'give the address with its prefix length (8-30), e.g. 192.0.2.10/24',
      )
    const gateway = parseIp(this.text('network.gateway'))
    if (gateway === undefined)
      this.fail(
        'network.gateway',
        this.text('network.gateway') ? `"${this.text('network.gateway')}" is not an IPv4 address` : 'is empty, but network.mode is static',
        'give the default gateway, e.g. 192.0.2.1',
      )
    else if (net && (gateway < net.first || gateway > net.last || gateway === net.address))
      this.fail(
        'network.gateway',
        `${formatIp(gateway)} is not another address on ${net.cidr}`,
        "give the gateway on the appliance's own network",
      )
    // Without a valid subnet a problem was reported, and no settings come out.
    return {
      mode: 'static',
      address: net?.ip ?? '',
      prefix: net?.prefix ?? Number.NaN,
      gateway: this.text('network.gateway'),
      dns: this.addresses('network.dns'),
      ntp,
    }
  }

  /** The static address and its network, when network.address is a valid ADDRESS/PREFIX (prefix 8-30). */
  private subnet(): { address: number; ip: string; prefix: number; first: number; last: number; cidr: string } | undefined {
    if (this.text('network.mode') !== 'static') return undefined
    const [ip = '', prefixText = ''] = this.text('network.address').split('/')
    const address = parseIp(ip)
    const prefix = /^\d{1,2}$/.test(prefixText) ? Number(prefixText) : Number.NaN
    if (address === undefined || !(prefix >= 8 && prefix <= 30)) return undefined
    const size = 2 ** (32 - prefix)
    const first = address - (address % size)
    return { address, ip, prefix, first, last: first + size - 1, cidr: `${formatIp(first)}/${prefix}` }
  }

  private floating(): { floatingRange?: { start: string; end: string } } {
    const range = this.text('cloud.floating_range')
    if (!range) return {}
    const [a = '', b = ''] = range.split('-').map((x) => x.trim())
    const start = parseIp(a)
    const end = parseIp(b)
    if (start === undefined || end === undefined || start > end)
      this.fail('cloud.floating_range', `"${range}" is not FIRST-LAST`, 'give the first and last address, e.g. 192.0.2.100-192.0.2.199')
    else {
      const net = this.subnet()
      if (net && (start < net.first || end > net.last))
        this.fail(
          'cloud.floating_range',
          `${range} is not on ${net.cidr}`,
          "floating IPs come from the appliance's own network: give a range on it",
        )
      else if (net && net.address >= start && net.address <= end)
        this.fail(
          'cloud.floating_range',
          `${range} holds the appliance's own address ${net.ip}`,
          'give a range that leaves the appliance out',
        )
    }
    return { floatingRange: { start: a, end: b } }
  }
}
