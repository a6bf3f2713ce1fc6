// SPDX-License-Identifier: Apache-2.0
// The only module that imports ajv (inventories, and lab files through it): schema errors → problems with file:line:column,
// in words a person reads, with the fix.
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv'
import formatsModule from 'ajv-formats'
import { inventorySchema, type InventoryDraft } from './schema.ts'
import type { Problem } from './problems.ts'
import type { InventorySource } from './source.ts'
import { closest } from '../closest.ts'
import { isAddressOrName, parseHttpUrl } from './formats.ts'
import { printable } from '../printable.ts'

// ajv and ajv-formats are CommonJS with a default export.
const Ajv = AjvModule.default ?? AjvModule
const addFormats = formatsModule.default ?? formatsModule
// strictNumbers: YAML's .inf and .nan are numbers to JavaScript, never to a config file.
// useDefaults: the schema's `default`s are the only ones; validation writes them in
// (by value, a fresh [] or {} each time), so readers of an Inventory restate none.
const ajv = new Ajv({
  allErrors: true,
  verbose: true,
  strict: true,
  strictTypes: false,
  allowUnionTypes: true,
  strictNumbers: true,
  useDefaults: true,
})
addFormats(ajv, ['ipv4'])
ajv.addFormat('address-or-name', { type: 'string', validate: isAddressOrName })
ajv.addFormat('http-url', { type: 'string', validate: (s: string) => parseHttpUrl(s) !== undefined })
const check = ajv.compile<InventoryDraft>(inventorySchema)

/** A schema compiled with the same options (and formats) as the inventory's: for other YAML files (lab.yaml). */
export function compileSchema<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema)
}

/**
 * Check parsed YAML against a compiled schema: the value with the schema's defaults
 * applied (to a copy), or the problems with file:line:column. `emptyFix` says how to
 * start a file that is empty.
 */
export function validateWith<T>(
  validate: ValidateFunction<T>,
  source: InventorySource,
  emptyFix: string,
): { value?: T; problems: Problem[] } {
  const data = structuredClone(source.data)
  if (validate(data)) return { value: data, problems: [] }
  return { problems: dropNoise(validate.errors ?? []).map((e) => toProblem(source, e, emptyFix)) }
}

/**
 * Check the parsed YAML against the schema. Valid, it comes back as an Inventory
 * with the schema's defaults applied, to a copy: `source.data` stays what the file
 * says, for the rules that ask whether a key was written.
 */
export function validateSchema(source: InventorySource): { inventory?: InventoryDraft; problems: Problem[] } {
  const { value, problems } = validateWith(check, source, 'run "stackhouse init" to write a starting inventory')
  return value ? { inventory: value, problems } : { problems }
}

/** ajv reports a bad property name twice (the inner check and `propertyNames`); keep the inner one. */
function dropNoise(errors: ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => e.keyword !== 'propertyNames')
}

function toProblem(source: InventorySource, e: ErrorObject, emptyFix: string): Problem {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
  const value = valueAt(source.data, path)
  const shown = e.instancePath || '/'
  const base = { file: source.file, severity: 'error' as const }
  const p = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty)
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {})
      const guess = closest(key.slice(0, 200), allowed)
      const keyPath = [...path, key]
      return {
        ...base,
        ...source.locate(keyPath, { key: true }),
        path: `${e.instancePath}/${key}`,
        message: `unknown key "${printable(key)}"`,
        fix: guess ? `did you mean "${guess}"? Allowed keys: ${allowed.join(', ')}` : `allowed keys here: ${allowed.join(', ')}`,
      }
    }
    case 'required': {
      const key = String(p.missingProperty)
      return {
        ...base,
        ...source.locate(path),
        path: shown,
        message: `missing required key "${key}"`,
        fix: `add "${key}:" ${describe(subSchema(e, key))}`.trimEnd(),
      }
    }
    default:
      if (e.propertyName !== undefined) return nameProblem(source, e, path)
      if (value === null && path.length === 0)
        return {
          ...base,
          line: 1,
          column: 1,
          path: shown,
          message: 'the file is empty',
          fix: emptyFix,
        }
      return { ...base, ...source.locate(path), path: shown, ...valueMessage(e, value) }
  }
}

/** A map key that is not allowed: an unknown service name, or a malformed group name. */
function nameProblem(source: InventorySource, e: ErrorObject, path: string[]): Problem {
  const name = String(e.propertyName)
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues?.map(String)
  const guess = allowed && closest(name, allowed)
  const hint = (e.parentSchema as { description?: string } | undefined)?.description
  return {
    file: source.file,
    severity: 'error',
    ...source.locate([...path, name], { key: true }),
    path: `${e.instancePath}/${name}`,
    message: allowed ? `unknown service "${printable(name)}"` : `"${printable(name)}" is not a valid name here`,
    fix: allowed
      ? `${guess ? `did you mean "${guess}"? ` : ''}Services: ${allowed.join(', ')}`
      : (hint ?? 'use letters, digits, "-" and "_", starting with a letter or digit'),
  }
}

function valueMessage(e: ErrorObject, value: unknown): { message: string; fix?: string } {
  const p = e.params as Record<string, unknown>
  const got = `got ${show(value)}`
  const schema = e.parentSchema as { description?: string; enum?: unknown[] } | undefined
  const hint = schema?.description
  switch (e.keyword) {
    case 'type':
      return { message: `must be ${article(String(p.type))}, ${got}`, ...(hint ? { fix: hint } : {}) }
    case 'enum':
      return {
        message: `must be one of ${(p.allowedValues as unknown[]).map(show).join(', ')}; ${got}`,
        ...enumFix(value, p.allowedValues as unknown[]),
      }
    case 'format':
      return formatMessage(String(p.format), value, got)
    case 'pattern':
      return { message: `${got}, which is not valid here`, fix: hint ?? `must match ${String(p.pattern)}` }
    case 'minimum':
    case 'maximum':
      return { message: `must be ${e.keyword === 'minimum' ? '≥' : '≤'} ${String(p.limit)}, ${got}` }
    case 'minItems':
      return { message: `must list at least ${String(p.limit)} item(s)`, fix: 'add an entry' }
    case 'minLength':
      return { message: 'must not be empty' }
    case 'maxLength':
      return { message: `is ${[...String(value)].length} characters long, more than ${String(p.limit)}` }
    case 'uniqueItems':
      return { message: `lists the same entry twice (items ${String(p.j)} and ${String(p.i)})`, fix: 'remove the repeated entry' }
    default:
      return { message: e.message ?? `fails "${e.keyword}"` }
  }
}

function formatMessage(format: string, value: unknown, got: string): { message: string; fix: string } {
  const text = typeof value === 'string' ? value : ''
  switch (format) {
    case 'ipv4':
      return {
        message: `must be an IPv4 address, ${got}`,
        fix: 'write four numbers 0-255 separated by dots, without leading zeros, e.g. 10.0.0.11',
      }
    case 'address-or-name':
      if (/^[a-z]+:\/\//i.test(text))
        return {
          message: `must be a DNS name or an IPv4 address, ${got}`,
          fix: 'write the name or address alone, without a scheme, port or path (Stackhouse builds the URLs)',
        }
      if (/:\d*$/.test(text))
        return {
          message: `must be a DNS name or an IPv4 address without a port, ${got}`,
          fix: 'remove the port: each service adds its own',
        }
      return {
        message: `must be a DNS name or an IPv4 address, ${got}`,
        fix: 'a DNS name is dot-separated labels of letters, digits and inner dashes (e.g. cloud.example.com); an IPv4 address is four numbers 0-255 without leading zeros',
      }
    default:
      return {
        message: `must be an http:// or https:// URL, ${got}`,
        fix: 'e.g. http://mirror.example.com/debian or http://10.0.0.1:3142: a host name or IPv4 address, an optional port and path; no credentials, query, spaces or quotes',
      }
  }
}

function enumFix(value: unknown, allowed: unknown[]): { fix?: string } {
  if (typeof value !== 'string') return {}
  const guess = closest(value.slice(0, 200), allowed.map(String))
  return guess ? { fix: `did you mean "${guess}"?` } : {}
}

function subSchema(e: ErrorObject, key: string): unknown {
  return (e.parentSchema as { properties?: Record<string, unknown> }).properties?.[key]
}

function describe(schema: unknown): string {
  const s = schema as { description?: string; type?: string } | undefined
  if (s?.description) return `(${s.description})`
  return s?.type ? `(${article(s.type)})` : ''
}

function valueAt(data: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data)
}

function show(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a map'
  return typeof v === 'string' ? `"${printable(v)}"` : printable(String(v))
}

function article(type: string): string {
  const words: Record<string, string> = {
    object: 'a map',
    array: 'a list',
    string: 'a string',
    integer: 'a whole number',
    number: 'a number',
    boolean: 'true or false',
  }
  return type
    .split(',')
    .map((t) => words[t] ?? t)
    .join(' or ')
}
