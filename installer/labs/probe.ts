// SPDX-License-Identifier: Apache-2.0
// Probes from the machine that runs the checks (the bastion) to a student's
// instance: a TCP connect and a ping, each from a chosen source address of this
// machine, so that a lab can prove a port open from one place and closed from
// another. Security groups drop what they refuse: a refused probe times out.
import { execFile } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { Cloud } from '../openstack/index.ts'
import { publicNet } from '../postdeploy/names.ts'

/**
 * This machine's address as the cloud's external network sees it: the source the
 * kernel picks towards that network (a UDP connect sends nothing, it only routes).
 */
export async function bastionAddress(checker: Cloud): Promise<string> {
  const [net] = await checker.network.networks({ name: publicNet.network, 'router:external': true })
  const subnet = net ? (await checker.network.subnets({ network_id: net.id, ip_version: 4 }))[0] : undefined
  const target = subnet?.gateway_ip ?? subnet?.allocation_pools?.[0]?.start
  if (!target) throw new Error(`the cloud's "${publicNet.network}" network has no IPv4 subnet with a gateway or a pool`)
  return localSourceFor(target)
}

function localSourceFor(target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4')
    s.once('error', (e) => (s.close(), reject(e)))
    s.connect(9, target, () => {
      const { address } = s.address()
      s.close()
      resolve(address)
    })
  })
}

/** Whether something answers on `port` (a connection, or a refusal: both came back), from `source` when given. */
export function tcpAnswers(address: string, port: number, source?: string, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: address, port, timeout: timeoutMs, ...(source ? { localAddress: source } : {}) })
    const done = (answered: boolean) => {
      sock.destroy()
      resolve(answered)
    }
    sock.once('connect', () => done(true))
    sock.once('timeout', () => done(false))
    sock.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED'))
  })
}

/** One ping from `source`: true when the echo came back within 2 s. */
export function pingFrom(address: string, source: string): Promise<boolean> {
  return new Promise((resolve) => execFile('ping', ['-c1', '-W2', '-n', '-I', source, address], { timeout: 10_000 }, (e) => resolve(!e)))
}

/**
 * A second address of this machine from which `address` answers ping: another
 * place on the network to probe from. Undefined when this machine has no other
 * address that reaches it (one NIC): a lab then says it could only read the rules.
 */
export async function secondSource(address: string, except: string): Promise<string | undefined> {
  const mine = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal && a.address !== except)
    .map((a) => a!.address)
  for (const source of mine) if (await pingFrom(address, source)) return source
  return undefined
}
