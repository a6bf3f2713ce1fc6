// SPDX-License-Identifier: Apache-2.0
// The sandbox bridges keep one MAC address while hosts come and go. Two network
// namespaces stand in for hosts on a throwaway bridge of this test's own: when the
// port with the lowest MAC leaves (a destroyed controller), the other host must still
// reach the machine's address on the bridge.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { bridgeMac, ensureBridge, linkExists } from '../../installer/sandbox/network.ts'

const tag = process.pid.toString(36).slice(-4)
const bridge = { name: `shbr${tag}`, address: '10.98.0.1/24' }
const ns = [`shns-a-${tag}`, `shns-b-${tag}`]
const ports = [`shpa${tag}`, `shpb${tag}`]

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' })
const macOf = (link: string) => readFileSync(`/sys/class/net/${link}/address`, 'utf8').trim()

/** A host stand-in: a namespace whose eth0 is a veth into the bridge, the bridge side with the given MAC. */
function plugHost(i: number, portMac: string): void {
  ip('netns', 'add', ns[i]!)
  ip('link', 'add', ports[i]!, 'address', portMac, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns[i]!)
  ip('link', 'set', 'dev', ports[i]!, 'master', bridge.name, 'up')
  ip('-n', ns[i]!, 'addr', 'add', `10.98.0.${i + 2}/24`, 'dev', 'eth0')
  ip('-n', ns[i]!, 'link', 'set', 'dev', 'eth0', 'up')
}

/** True when the stand-in host gets an answer from the machine's address on the bridge. */
function pingsMachine(i: number): boolean {
  try {
    execFileSync('ip', ['netns', 'exec', ns[i]!, 'ping', '-c', '2', '-W', '1', '-q', '10.98.0.1'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

describe('sandbox bridges', () => {
  afterAll(() => {
    for (const p of ports) if (linkExists(p)) ip('link', 'del', 'dev', p)
    for (const n of ns) if (existsSync(`/run/netns/${n}`)) ip('netns', 'del', n)
    if (linkExists(bridge.name)) ip('link', 'del', 'dev', bridge.name)
  })

  it('keep their MAC address when the port with the lowest one leaves, so other hosts still reach the machine', async () => {
    await ensureBridge(bridge)
    // Host a's port has a lower MAC than anything bridgeMac gives (02:…); a bridge
    // without its own address would take it, and change again when it leaves.
    plugHost(0, '00:00:5e:00:53:01')
    plugHost(1, '02:ff:ff:ff:ff:fe')
    expect(pingsMachine(1)).toBe(true)

    ip('link', 'del', 'dev', ports[0]!)
    expect(pingsMachine(1)).toBe(true)
    expect(macOf(bridge.name)).toBe(bridgeMac(bridge.name))
  })

  it('fix the MAC address of a bridge made by an earlier version, which followed its ports', async () => {
    ip('link', 'del', 'dev', bridge.name)
    ip('link', 'add', bridge.name, 'type', 'bridge')
    ip('link', 'set', 'dev', ports[1]!, 'master', bridge.name, 'up')
    expect(macOf(bridge.name)).toBe('02:ff:ff:ff:ff:fe')
    await ensureBridge(bridge)
    expect(readFileSync(`/sys/class/net/${bridge.name}/addr_assign_type`, 'utf8').trim()).toBe('3')
    expect(macOf(bridge.name)).toBe(bridgeMac(bridge.name))
    expect(pingsMachine(1)).toBe(true)
  })
})
