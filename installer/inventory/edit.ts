// SPDX-License-Identifier: Apache-2.0
// Changes to an operator's inventory file made by a command (add-host, create-hosts): on the YAML
// document, so the operator's comments, order and style stay; checked as a whole
// before anything is written; written atomically, with the file's own mode.
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml'
import { StackhouseError, UsageError } from '../errors.ts'
import { checkInventory, checkInventoryDraft } from './load.ts'
import { InventoryError } from './problems.ts'
import type { Inventory } from './schema.ts'

/** A host to add: its name, address, the groups it joins, and its tunnel address if not the same. */
export interface NewHost {
  name: string
  address: string
  groups: string[]
  tunnelAddress?: string
}

/** The groups a host may join after the cloud is deployed (a control host changes quorum and the database: not built yet). */
export const joinableGroups = ['compute', 'storage', 'network'] as const

/**
 * The inventory's text with `host` added to `hosts` and to each of its groups. The
 * result is checked like any inventory (the new host's name and address are hostile
 * input as much as the file is); its problems are thrown, naming the file, and
 * nothing is returned. A host already there with the same address and groups gives
 * the text back as it was (`added: false`): a failed add-host is re-run as is.
 */
export function withHost(file: string, text: string, host: NewHost, dir?: string): { text: string; added: boolean; inventory: Inventory } {
  for (const g of host.groups)
    if (!(joinableGroups as readonly string[]).includes(g))
      throw new UsageError(
        `a host cannot join group ${JSON.stringify(g)} of a deployed cloud`,
        g === 'control'
          ? 'control hosts are chosen before the first deploy (a highly available control plane is not built yet): edit the inventory and deploy anew'
          : `use one of: ${joinableGroups.join(', ')}`,
      )
  if (!host.groups.length) throw new UsageError(`no group for ${host.name}`, `name one or more with --group (${joinableGroups.join(', ')})`)
  const current = checked(file, text, dir)
  const there = current.hosts.find((h) => h.name === host.name)
  if (there) {
    const groups = Object.entries(current.groups ?? {})
      .filter(([, members]) => members.includes(host.name))
      .map(([g]) => g)
    const same = there.address === host.address && host.groups.every((g) => groups.includes(g))
    if (same) return { text, added: false, inventory: current }
    throw new UsageError(
      `${file}: host ${host.name} is already in the inventory (address ${there.address}, groups ${groups.join(', ') || 'none'})`,
      'choose another name, or edit the inventory and run stackhouse deploy',
    )
  }
  const doc = parseDocument(text)
  addTo(doc, ['hosts'], hostNode(doc, host))
  for (const g of host.groups) addTo(doc, ['groups', g], host.name)
  const next = doc.toString()
  return { text: next, added: true, inventory: checked(file, next, dir) }
}

/**
 * The inventory's text without `name`, in `hosts` and in every group, checked as a
 * whole (a group a service needs may not end up empty). `removed: false` when the
 * host is not there (a re-run).
 */
export function withoutHost(
  file: string,
  text: string,
  name: string,
  dir?: string,
): { text: string; removed: boolean; inventory: Inventory } {
  const current = checked(file, text, dir)
  if (!current.hosts.some((h) => h.name === name)) return { text, removed: false, inventory: current }
  const doc = parseDocument(text)
  const hosts = doc.getIn(['hosts'])
  if (isSeq(hosts)) hosts.items = hosts.items.filter((i) => !(isMap(i) && i.get('name') === name))
  const groups = doc.getIn(['groups'])
  if (isMap(groups))
    for (const pair of groups.items)
      if (isSeq(pair.value)) pair.value.items = pair.value.items.filter((m) => !(isScalar(m) ? m.value === name : m === name))
  const next = doc.toString()
  return { text: next, removed: true, inventory: checked(file, next, dir) }
}

/** Remove the host from the inventory file (see withoutHost); says whether the file changed. */
export function removeHostFromFile(file: string, name: string): { removed: boolean; inventory: Inventory } {
  const r = withoutHost(file, readFileSync(file, 'utf8'), name, dirname(file))
  if (r.removed) writeInventoryText(file, r.text)
  return { removed: r.removed, inventory: r.inventory }
}

/** The new host as the file's other hosts are written: a flow map `{ name: …, address: … }` when they are. */
function hostNode(doc: Document, host: NewHost) {
  const node = doc.createNode({
    name: host.name,
    address: host.address,
    ...(host.tunnelAddress ? { tunnel_address: host.tunnelAddress } : {}),
  })
  const hosts = doc.getIn(['hosts'])
  if (isSeq(hosts) && hosts.items.length && hosts.items.every((i) => isMap(i) && i.flow)) node.flow = true
  return node
}

/** Append to the sequence at `path`, making it when missing. */
function addTo(doc: Document, path: string[], value: unknown): void {
  const seq = doc.getIn(path)
  if (isSeq(seq)) seq.add(value)
  else if (seq === undefined || seq === null) doc.setIn(path, doc.createNode([value]))
  else throw new UsageError(`the inventory's ${path.join('.')} is not a list`, `make ${path.join('.')} a list of host names`)
}

function checked(file: string, text: string, dir?: string): Inventory {
  const { inventory, problems } = checkInventory(file, text, dir ? { dir } : {})
  if (!inventory) throw new InventoryError(problems.filter((p) => p.severity === 'error'))
  return inventory
}

/** Replace the file's text atomically: a temporary file beside it with the same mode, then a rename. */
export function writeInventoryText(file: string, text: string): void {
  const mode = statSync(file).mode & 0o7777
  const tmp = `${file}.stackhouse-${process.pid}.tmp`
  writeFileSync(tmp, text, { mode })
  chmodSync(tmp, mode)
  renameSync(tmp, file)
}

/** Add the host to the inventory file (see withHost); says whether the file changed. */
export function addHostToFile(file: string, host: NewHost): { added: boolean; inventory: Inventory } {
  const r = withHost(file, readFileSync(file, 'utf8'), host, dirname(file))
  if (r.added) writeInventoryText(file, r.text)
  return { added: r.added, inventory: r.inventory }
}

/**
 * The inventory's text with hosts' addresses set (an address) or taken out
 * (undefined), checked as a whole (hosts may still lack one: create-hosts writes them
 * as its VMs report theirs). A host written as a block map is changed in place, one
 * line each, so every other byte of the file stays as the operator wrote it; a host
 * written as a flow map `{ name: … }` is changed on the YAML document.
 */
export function withHostAddresses(file: string, text: string, addresses: Record<string, string | undefined>, dir?: string): string {
  // Block-style hosts first, on the text; then flow-style ones, on the document of that text.
  const { text: edited, flow } = editBlockHosts(file, text, addresses)
  let next = edited
  if (Object.keys(flow).length) {
    const doc = parseDocument(edited)
    for (const [name, address] of Object.entries(flow)) {
      const host = hostMap(file, doc.getIn(['hosts']), name)
      if (address === undefined) host.delete('address')
      else host.set('address', address)
    }
    next = doc.toString()
  }
  const { inventory, problems } = checkInventoryDraft(file, next, { ...(dir ? { dir } : {}), addressesPending: true })
  if (!inventory) throw new InventoryError(problems.filter((p) => p.severity === 'error'))
  // The edit did what it meant to, or nothing is written.
  for (const [name, address] of Object.entries(addresses))
    if (inventory.hosts.find((h) => h.name === name)?.address !== address)
      throw new StackhouseError(`writing host ${name}'s address into ${file} went wrong`, { kind: 'internal' })
  return next
}

/** The host called `name` in the `hosts:` node, as a map. */
function hostMap(file: string, hosts: unknown, name: string) {
  const host = isSeq(hosts) ? hosts.items.find((i) => isMap(i) && i.get('name') === name) : undefined
  if (!isMap(host)) throw new UsageError(`${file}: no host ${name} in hosts:`, 'the inventory changed while the command ran: run it again')
  return host
}

/** The addresses of block-style hosts changed in the text, a line each; those of flow-style hosts, left for the document. */
function editBlockHosts(
  file: string,
  text: string,
  addresses: Record<string, string | undefined>,
): { text: string; flow: Record<string, string | undefined> } {
  const doc = parseDocument(text)
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const edits: { at: number; end: number; text: string }[] = []
  const flow: Record<string, string | undefined> = {}
  for (const [name, address] of Object.entries(addresses)) {
    const host = hostMap(file, doc.getIn(['hosts']), name)
    const pair = host.items.find((p) => isScalar(p.key) && p.key.value === 'address')
    const named = host.items.find((p) => isScalar(p.key) && p.key.value === 'name')
    const value = pair && isScalar(pair.value) ? pair.value : undefined
    if (host.flow || !named || !isScalar(named.key) || !isScalar(named.value) || (pair && (!value || !isScalar(pair.key)))) {
      flow[name] = address
      continue
    }
    const lineEnd = (from: number) => {
      const i = text.indexOf('\n', from)
      return i < 0 ? text.length : i + 1
    }
    if (address === undefined) {
      // The whole line of the pair, with its comment and line break.
      if (pair && value)
        edits.push({ at: text.lastIndexOf('\n', (pair.key as { range: number[] }).range[0]!) + 1, end: lineEnd(value.range![1]), text: '' })
    } else if (value) edits.push({ at: value.range![0], end: value.range![1], text: address })
    else {
      // A line of its own after the name's, at the name's indent.
      const indent = ' '.repeat(named.key.range![0] - (text.lastIndexOf('\n', named.key.range![0]) + 1))
      const at = lineEnd(named.value.range![1])
      const last = at === text.length && !text.endsWith('\n')
      edits.push({ at, end: at, text: `${last ? eol : ''}${indent}address: ${address}${last ? '' : eol}` })
    }
  }
  let out = text
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.end)
  return { text: out, flow }
}

/** Set or take out hosts' addresses in the inventory file (see withHostAddresses). */
export function setHostAddresses(file: string, addresses: Record<string, string | undefined>): void {
  writeInventoryText(file, withHostAddresses(file, readFileSync(file, 'utf8'), addresses, dirname(file)))
}
