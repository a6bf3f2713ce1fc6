// SPDX-License-Identifier: Apache-2.0
// A logged-in vSphere session: Login/Logout, reading properties of many objects at
// once (a container view and RetrievePropertiesEx, continued while vSphere pages),
// and waiting for tasks.
import { asArray, el, textOf, type XmlElement, type XmlNode, type XmlValue } from '../xml.ts'
import { VsphereError } from './errors.ts'
import { moRef, ref, SoapClient, xsiType, type MoRef, type ServiceContent, type VsphereConnection } from './soap.ts'

export interface VsphereLogin extends VsphereConnection {
  user: string
  /** Never from argv: the caller reads it from standard input or the secrets file. */
  password: string
}

/** One object's properties, as RetrievePropertiesEx gives them (path → value). */
export interface ObjectProps {
  ref: MoRef
  props: Record<string, XmlValue>
}

export class VsphereSession {
  private constructor(
    readonly soap: SoapClient,
    readonly content: ServiceContent,
  ) {}

  static async login(login: VsphereLogin): Promise<VsphereSession> {
    const soap = new SoapClient(login)
    try {
      const content = await soap.serviceContent()
      await soap.call('Login', content.sessionManager, el('userName', {}, login.user), el('password', {}, login.password))
      return new VsphereSession(soap, content)
    } catch (e) {
      await soap.close()
      throw e
    }
  }

  async logout(): Promise<void> {
    try {
      await this.soap.call('Logout', this.content.sessionManager)
    } finally {
      await this.soap.close()
    }
  }

  /** The named properties of every object of `type` under `container` (default: everything). */
  async list(type: string, paths: string[], container: MoRef = this.content.rootFolder): Promise<ObjectProps[]> {
    const view = moRef(
      await this.soap.call(
        'CreateContainerView',
        this.content.viewManager,
        ref('container', container),
        el('type', {}, type),
        el('recursive', {}, 'true'),
      ),
    )
    try {
      const spec = el(
        'specSet',
        {},
        el('propSet', {}, el('type', {}, type), ...paths.map((p) => el('pathSet', {}, p))),
        el(
          'objectSet',
          {},
          ref('obj', view),
          el('skip', {}, 'true'),
          el(
            'selectSet',
            { 'xsi:type': 'TraversalSpec' },
            el('name', {}, 'view'),
            el('type', {}, 'ContainerView'),
            el('path', {}, 'view'),
            el('skip', {}, 'false'),
          ),
        ),
      )
      return await this.retrieve(spec)
    } finally {
      await this.soap.call('DestroyView', view).catch(() => undefined)
    }
  }

  /** Properties of given objects. */
  async props(objects: MoRef[], paths: string[]): Promise<ObjectProps[]> {
    if (!objects.length) return []
    const types = [...new Set(objects.map((o) => o.type))]
    const spec = el(
      'specSet',
      {},
      ...types.map((t) => el('propSet', {}, el('type', {}, t), ...paths.map((p) => el('pathSet', {}, p)))),
      ...objects.map((o) => el('objectSet', {}, ref('obj', o), el('skip', {}, 'false'))),
    )
    return this.retrieve(spec)
  }

  /** One object's properties (missing ones absent). */
  async get(object: MoRef, paths: string[]): Promise<Record<string, XmlValue>> {
    return (await this.props([object], paths))[0]?.props ?? {}
  }

  private async retrieve(spec: XmlElement): Promise<ObjectProps[]> {
    const out: ObjectProps[] = []
    let page = (await this.soap.call('RetrievePropertiesEx', this.content.propertyCollector, spec, el('options', {}))) as
      | XmlNode
      | undefined
    for (;;) {
      for (const o of asArray<XmlNode>(page?.['objects'])) {
        const props: Record<string, XmlValue> = {}
        for (const p of asArray<XmlNode>(o['propSet'])) props[textOf(p['name'])] = p['val'] ?? ''
        out.push({ ref: moRef(o['obj']), props })
      }
      const token = textOf(page?.['token'])
      if (!token) return out
      page = (await this.soap.call('ContinueRetrievePropertiesEx', this.content.propertyCollector, el('token', {}, token))) as XmlNode
    }
  }

  /** Wait until a task ends; its result (a MoRef for tasks that make one), or its error as a VsphereError. */
  async waitForTask(task: MoRef, what: string, timeoutMs = 30 * 60_000): Promise<XmlValue | undefined> {
    const deadline = Date.now() + timeoutMs
    for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
      const info = (await this.get(task, ['info']))['info'] as XmlNode | undefined
      const state = textOf(info?.['state'])
      if (state === 'success') return info?.['result']
      if (state === 'error') {
        const fault = info?.['error'] as XmlNode | undefined
        const type = xsiType(fault?.['fault'])
        throw new VsphereError(
          `${what} failed in vSphere: ${textOf(fault?.['localizedMessage']) || type || 'no message'}`,
          'hosts',
          undefined,
          type || undefined,
        )
      }
      if (Date.now() > deadline) throw new VsphereError(`${what} did not finish in ${Math.round(timeoutMs / 60_000)} min`, 'hosts')
      await new Promise((r) => setTimeout(r, delay))
    }
  }
}
