// SPDX-License-Identifier: Apache-2.0
// model → the exact files every host receives. Pure: the same model gives the
// same bytes, so a second deploy finds nothing to change.
import { StackhouseError } from '../errors.ts'
import { basename, extname, join } from 'node:path'
import type { Model, ModelHost } from '../model/types.ts'
import { templatesDir } from '../paths.ts'
import { renderTemplate } from './handlebars.ts'
import { mergeIni, type MergeLayer } from './ini.ts'
import { placement } from '../plan/placement.ts'
import type { Role, RoleFile } from '../role/contract.ts'
import { closest } from '../closest.ts'
import { printable } from '../printable.ts'

export interface RenderedFile {
  host: string
  role: string
  path: string
  content: string
  owner: string
  group: string
  mode: number
  format: 'ini' | 'text'
  /** systemd units to restart when this file changes. */
  notify: string[]
  /** `section.key` → which override set it (empty when no override touched the file). */
  setBy: Record<string, string>
}

/** An operator override file: `overrides/<service>/<file>` or `overrides/<service>/<host>/<file>`. */
export interface OverrideFile {
  service: string
  host?: string
  file: string
  text: string
  /** Path shown in messages, e.g. `overrides/nova/nova.conf`. */
  source: string
  /** Set for the inventory's own `config:` entries: where in the inventory the file is named. */
  inventoryPath?: readonly string[]
}

/** An override or config: entry that cannot apply, naming its file. An input error (exit 1). */
export class OverrideError extends StackhouseError {
  constructor(
    readonly source: string,
    message: string,
    fix?: string,
  ) {
    super(`${source}: ${message}`, { kind: 'input', file: source, ...(fix ? { fix } : {}) })
    this.name = 'OverrideError'
  }
}

/**
 * Thrown when a value that a template would print holds a control character: a
 * newline there would start a new key or section of the file. The inventory's
 * schema refuses such values; this is the same rule where the files are made.
 */
export class RenderValueError extends StackhouseError {
  constructor(
    readonly where: string,
    value: string,
  ) {
    // A secret's value is never shown, only where it is.
    const shown = /(^|\.)secrets\./.test(where) ? 'of the secret' : printable(value)
    super(`${where}: the value ${shown} holds a control character, which would break the file's lines`, { kind: 'input' })
    this.name = 'RenderValueError'
  }
}

/**
 * A value a serialiser made for one file format (a Python literal, say), which may
 * span lines because the serialiser laid them out. Templates print its text.
 */
export class Serialized {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

/** Every string in `value` is one line of printable text; throws naming the first that is not. */
export function assertOneLineValues(value: unknown, where: string): void {
  if (typeof value === 'string') {
    if (/[\x00-\x1f\x7f]/.test(value)) throw new RenderValueError(where, value)
  } else if (Array.isArray(value)) value.forEach((v, i) => assertOneLineValues(v, `${where}[${i}]`))
  else if (value && typeof value === 'object' && !(value instanceof Serialized)) {
    for (const [k, v] of Object.entries(value))
      // PEM texts span lines by design; they go into files whole (as content), checked when read (installer/tls/material.ts).
      if (`${where}.${k}` !== 'model.tls.pem') assertOneLineValues(v, `${where}.${k}`)
  }
}

export function render(model: Model, roles: readonly Role[], overrides: readonly OverrideFile[] = []): RenderedFile[] {
  // Once for the model every template sees; each file's own values as it renders.
  assertOneLineValues(model, 'model')
  const files: RenderedFile[] = []
  const placed = placement(model, roles)
  const shared = new Map<string, string>()
  for (const role of placed.roles) {
    for (const host of placed.hostsOf(role)) {
      const units = role.units({ model, host })
      for (const f of role.files({ model, host })) {
        const key = f.sameOnEveryHost ? `${role.name}\0${f.path}` : undefined
        const content = key === undefined ? undefined : shared.get(key)
        const file = renderFile(model, role, host, content === undefined ? f : { ...f, content }, units)
        if (key !== undefined && content === undefined) shared.set(key, file.content)
        files.push(file)
      }
    }
  }
  const merged = applyOverrides(model, files, [...inlineOverrides(model), ...overrides])
  return merged.sort((a, b) => a.host.localeCompare(b.host) || a.path.localeCompare(b.path))
}

function renderFile(model: Model, role: Role, modelHost: ModelHost, f: RoleFile, units: string[]): RenderedFile {
  const host = modelHost.name
  const template = join(role.dir ? join(role.dir, 'templates') : templatesDir(role.name), f.template ?? `${basename(f.path)}.hbs`)
  if (f.content === undefined) assertOneLineValues(f.vars, `roles/${role.name}: ${f.path}`)
  const content = f.content ?? renderTemplate(template, { model, host: modelHost, ...f.vars })
  return {
    host,
    role: role.name,
    path: f.path,
    content,
    owner: f.owner ?? 'root',
    group: f.group ?? 'root',
    mode: f.mode ?? 0o644,
    format: f.format ?? (['.conf', '.ini', '.cnf'].includes(extname(f.path)) ? 'ini' : 'text'),
    notify: f.notify ?? units,
    setBy: {},
  }
}

/** The inventory's `config:` key, as override layers that come before the override files. */
export function inlineOverrides(model: Model): OverrideFile[] {
  return Object.entries(model.config).flatMap(([service, files]) =>
    Object.entries(files).map(([file, sections]) => ({
      service,
      file,
      source: `${model.inventoryFile ?? 'inventory'}: config.${service}.${file}`,
      inventoryPath: ['config', service, file],
      text: Object.entries(sections)
        .map(
          ([name, keys]) =>
            `[${name}]\n${Object.entries(keys)
              .map(([k, v]) => `${k} = ${v}\n`)
              .join('')}`,
        )
        .join(''),
    })),
  )
}

/**
 * Each override that cannot apply, with what is wrong: it matches no rendered file
 * (with the nearest path that would), or its file name names two different files of
 * the service (keystone's fernet-keys/0 and credential-keys/0), which an override,
 * addressed by file name, cannot tell apart.
 */
export function overrideProblems(
  model: Model,
  files: readonly RenderedFile[],
  overrides: readonly OverrideFile[],
): { override: OverrideFile; error: OverrideError }[] {
  const pathsOf = new Map<OverrideFile, Set<string>>(overrides.map((o) => [o, new Set<string>()]))
  for (const f of files) for (const o of overrides) if (matches(f, o)) pathsOf.get(o)!.add(f.path)
  const valid = [...new Set(files.map((f) => `${f.role}/${basename(f.path)}`))].sort()
  const hosts = new Set(model.hosts.map((h) => h.name))
  return overrides.flatMap((o) => {
    const paths = [...pathsOf.get(o)!].sort()
    if (paths.length > 1) {
      const fix = 'these files are not meant to be overridden: they come from the secrets (stackhouse secrets set …)'
      return [{ override: o, error: new OverrideError(o.source, `names more than one file of ${o.service}: ${paths.join(', ')}`, fix) }]
    }
    if (paths.length) return []
    const hostNote = o.host && !hosts.has(o.host) ? ` (no host is named "${o.host}")` : ''
    const guess = closest(`${o.service}/${o.file}`, valid)
    const named = (path: string) => (o.inventoryPath ? `config.${path.replace('/', '.')}` : `overrides/${path}`)
    const fix = `${guess ? `did you mean ${named(guess)}? ` : ''}"stackhouse render -o DIR" writes every file each host gets; overrides/<service>/<file> or overrides/<service>/<host>/<file> changes one`
    return [{ override: o, error: new OverrideError(o.source, `matches no rendered file${hostNote}`, fix) }]
  })
}

function applyOverrides(model: Model, files: RenderedFile[], overrides: readonly OverrideFile[]): RenderedFile[] {
  const [first] = overrideProblems(model, files, overrides)
  if (first) throw first.error
  return files.map((f) => {
    // Layer order: inventory config, then overrides/<service>/<file>, then overrides/<service>/<host>/<file>.
    const layers = overrides.filter((o) => matches(f, o)).sort((a, b) => Number(!!a.host) - Number(!!b.host))
    if (!layers.length) return f
    if (f.format === 'text') return { ...f, content: layers.at(-1)!.text, setBy: { '*': layers.at(-1)!.source } }
    const { text, setBy } = mergeIni(f.content, ...layers.map((l): MergeLayer => ({ source: l.source, text: l.text })))
    return { ...f, content: text, setBy }
  })
}

function matches(f: RenderedFile, o: OverrideFile): boolean {
  return f.role === o.service && basename(f.path) === o.file && (!o.host || o.host === f.host)
}

/** Rendered files by host and role, for the plan and the engine to look up per host without scanning all of them. */
export function filesByHostAndRole(files: readonly RenderedFile[]): (host: string, role: string) => RenderedFile[] {
  const index = new Map<string, RenderedFile[]>()
  for (const f of files) {
    const key = `${f.host}\0${f.role}`
    const list = index.get(key)
    if (list) list.push(f)
    else index.set(key, [f])
  }
  return (host, role) => index.get(`${host}\0${role}`) ?? []
}
