// SPDX-License-Identifier: Apache-2.0
// XML both ways. Writing: an ordered element tree serialised by a few lines of our
// own, because an OVF interleaves elements of different names in a set order
// (Category, Property, Property, Category…), which object-shaped builders cannot
// say. Reading: fast-xml-parser (imported here only), for the OVA checker, the
// OVF environment a first boot reads, and vSphere's SOAP answers.
import { XMLParser } from 'fast-xml-parser'

export interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: (XmlElement | string)[]
}

/** An element; attributes whose value is undefined are left out. */
export function el(name: string, attrs: Record<string, string | undefined> = {}, ...children: (XmlElement | string)[]): XmlElement {
  const kept = Object.fromEntries(Object.entries(attrs).filter((e): e is [string, string] => e[1] !== undefined))
  return { name, attrs: kept, children }
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => escapes[c]!)

export function toXml(root: XmlElement): string {
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>']
  const walk = (e: XmlElement, depth: number) => {
    const pad = '  '.repeat(depth)
    const attrs = Object.entries(e.attrs)
      .map(([k, v]) => ` ${k}="${escape(v)}"`)
      .join('')
    if (!e.children.length) lines.push(`${pad}<${e.name}${attrs}/>`)
    else if (e.children.every((c) => typeof c === 'string'))
      lines.push(`${pad}<${e.name}${attrs}>${escape(e.children.join(''))}</${e.name}>`)
    else {
      lines.push(`${pad}<${e.name}${attrs}>`)
      for (const c of e.children) typeof c === 'string' ? lines.push(`${pad}  ${escape(c)}`) : walk(c, depth + 1)
      lines.push(`${pad}</${e.name}>`)
    }
  }
  walk(root, 0)
  return `${lines.join('\n')}\n`
}

/** An element as one line, without the XML declaration: a part of a larger document (a SOAP body). */
export function toXmlFragment(e: XmlElement): string {
  const attrs = Object.entries(e.attrs)
    .map(([k, v]) => ` ${k}="${escape(v)}"`)
    .join('')
  if (!e.children.length) return `<${e.name}${attrs}/>`
  const inner = e.children.map((c) => (typeof c === 'string' ? escape(c) : toXmlFragment(c))).join('')
  return `<${e.name}${attrs}>${inner}</${e.name}>`
}

export type XmlNode = { [key: string]: XmlValue }

/** A parsed value as a list: absent is none, one element is a list of one. */
export function asArray<T = XmlValue>(v: XmlValue | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? (v as T[]) : [v as T]
}

/** An element's text, whether it was parsed as a string or (having attributes) as a node with '#text'. */
export function textOf(v: XmlValue | undefined): string {
  if (typeof v === 'string') return v
  const t = v && typeof v === 'object' && !Array.isArray(v) ? v['#text'] : undefined
  return typeof t === 'string' ? t : ''
}

/** An attribute by its local name, whatever its prefix (ovf:href, href). */
export function attr(n: XmlNode | undefined, local: string): string | undefined {
  if (!n) return undefined
  const key = Object.keys(n).find((k) => k === `@_${local}` || (k.startsWith('@_') && k.endsWith(`:${local}`)))
  const v = key ? n[key] : undefined
  return typeof v === 'string' ? v : undefined
}
export type XmlValue = string | XmlNode | XmlValue[]

/**
 * Parse `text` into objects: attributes are keys starting with '@_', text is '#text'
 * when an element also has attributes, namespace prefixes are kept (unless dropPrefixes: element names only), and the elements
 * named in `lists` are always arrays. A document type declaration is refused: an OVF
 * never needs one, and entity expansion is how hostile XML grows into gigabytes.
 */
export function parseXml(text: string, lists: readonly string[] = [], opts: { dropPrefixes?: boolean } = {}): XmlNode {
  if (/<!DOCTYPE/i.test(text)) throw new Error('a document type declaration (<!DOCTYPE) is not allowed')
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    // Character references (&#10;) are XML, not HTML: without this they stay as text.
    htmlEntities: true,
    isArray: (name) => lists.includes(name),
    // SOAP answers: `soapenv:Body` reads as Body. Only element names lose their prefix:
    // vCenter writes both type= and xsi:type= on one element, which must stay apart.
    ...(opts.dropPrefixes ? { transformTagName: (name: string) => name.replace(/^[^:]*:/, '') } : {}),
  })
  return parser.parse(text, true) as XmlNode
}
