// SPDX-License-Identifier: Apache-2.0
// `stackhouse validate` as a library call: the inventory (YAML, schema, rules,
// the files it names), then what it takes to render: the overrides folder and the
// inventory's config: entries must each match a file that will render, and the
// secrets file, when there is one, must be readable. Nothing is written and no
// secret is created: files are rendered with placeholder secrets.
import { builtinInventory, builtinInventoryName } from './inventory/defaults.ts'
import { checkInventory, checkInventoryFile, type LoadResult } from './inventory/load.ts'
import { wholeFileProblem, type Problem } from './inventory/problems.ts'
import type { Inventory } from './inventory/schema.ts'
import { buildModel } from './model/build.ts'
import type { Model, TlsPem } from './model/types.ts'
import { tlsMaterial, withPem } from './tls/material.ts'
import { inventoryDir, projectPaths, type ProjectOptions } from './project.ts'
import { readOverrides } from './render/overrides.ts'
import { inlineOverrides, OverrideError, render, overrideProblems, type OverrideFile } from './render/render.ts'
import type { Role } from './role/contract.ts'
import { placeholderSecrets, secretCatalog } from './secrets/names.ts'
import { readSecrets, SecretsError } from './secrets/store.ts'
import { FixableError } from './errors.ts'

export interface ValidateReport {
  /** The inventory as the user named it (or the built-in one's name). */
  file: string
  inventory?: Inventory
  /** Errors and warnings, the inventory's in file order, then the overrides' and secrets'. */
  problems: Problem[]
}

export function validateProject(opts: ProjectOptions, roles: readonly Role[]): ValidateReport {
  const file = opts.inventory ?? builtinInventoryName
  const checked: LoadResult = opts.inventory ? checkInventoryFile(opts.inventory) : checkInventory(builtinInventoryName, builtinInventory)
  if (!checked.inventory) return { file, problems: checked.problems }
  const paths = projectPaths(opts)
  const problems = [...checked.problems]
  const at = (source: string, message: string, fix?: string, line = 1): Problem => ({
    file: source,
    line,
    column: 1,
    path: '',
    severity: 'error',
    message,
    ...(fix ? { fix } : {}),
  })
  let overrides: OverrideFile[] = []
  try {
    overrides = readOverrides(paths.overrides)
  } catch (e) {
    if (!(e instanceof OverrideError)) throw e
    const [source = e.source, line] = e.source.split(/:(\d+)$/)
    problems.push(at(source, e.message.slice(e.source.length + 2), e.fix, line ? Number(line) : 1))
  }
  const secrets = secretsProblems(paths.secrets)
  problems.push(...secrets.problems)
  const built = buildModel(
    checked.inventory,
    opts.inventory ?? null,
    { ...placeholderSecrets(secretCatalog(roles)), ...secrets.operatorSet },
    roles,
  )
  const tls = tlsForValidation(built, inventoryDir(paths), checked, file)
  problems.push(...tls.problems)
  const model = withPem(built, tls.pem)
  problems.push(...renderProblems(model, roles, overrides, checked, file))
  return { file, inventory: checked.inventory, problems }
}

/**
 * TLS material to render with: the operator's files, checked (a problem at tls.certificate
 * when they are not a PEM pair); else a placeholder, since validate makes no CA.
 */
function tlsForValidation(model: Model, inventoryDir: string, checked: LoadResult, file: string): { pem?: TlsPem; problems: Problem[] } {
  if (!model.tls.enabled) return { problems: [] }
  if (!model.tls.certificate) return { pem: placeholderPem, problems: [] }
  try {
    return { pem: tlsMaterial(model, { stateDir: inventoryDir, inventoryDir }, false)!.pem, problems: [] }
  } catch (e) {
    if (!(e instanceof FixableError)) throw e
    const key = /\(tls\.(\w+)\)/.exec(e.message)?.[1] ?? 'certificate'
    return {
      pem: placeholderPem,
      problems: [
        {
          file,
          ...checked.locate!(['tls', key]),
          path: `/tls/${key}`,
          severity: 'error',
          message: e.message,
          ...(e.fix ? { fix: e.fix } : {}),
        },
      ],
    }
  }
}

/** What validate renders in place of a certificate it does not make (never written anywhere). */
const placeholderPem: TlsPem = {
  cert: '-----BEGIN CERTIFICATE-----\nPLACEHOLDER\n-----END CERTIFICATE-----\n',
  key: '-----BEGIN PRIVATE KEY-----\nPLACEHOLDER\n-----END PRIVATE KEY-----\n',
  ca: '-----BEGIN CERTIFICATE-----\nPLACEHOLDER\n-----END CERTIFICATE-----\n',
}

/** The secrets file is read only to learn which operator secrets are set; none is created. */
function secretsProblems(file: string): { problems: Problem[]; operatorSet: Record<string, string> } {
  try {
    const values = readSecrets(file)
    return { problems: [], operatorSet: values.vsphere_password ? {} : { vsphere_password: '' } }
  } catch (e) {
    if (!(e instanceof SecretsError)) throw e
    return {
      problems: [wholeFileProblem(file, e.message.slice(file.length + 2), e.fix)],
      operatorSet: {},
    }
  }
}

/** Overrides and config: entries that match nothing, and what rendering itself refuses (a missing vsphere_password). */
function renderProblems(model: Model, roles: readonly Role[], overrides: OverrideFile[], checked: LoadResult, file: string): Problem[] {
  try {
    const files = render({ ...model, config: {} }, roles)
    return overrideProblems(model, files, [...inlineOverrides(model), ...overrides]).map(({ override, error }) => {
      const where = override.inventoryPath
        ? { file, ...checked.locate!([...override.inventoryPath], { key: true }), path: `/${override.inventoryPath.join('/')}` }
        : { file: override.source, line: 1, column: 1, path: '' }
      return {
        ...where,
        severity: 'error',
        message: error.message.slice(error.source.length + 2),
        ...(error.fix ? { fix: error.fix } : {}),
      } satisfies Problem
    })
  } catch (e) {
    if (e instanceof FixableError)
      return [{ file, line: 1, column: 1, path: '', severity: 'error', message: e.message, ...(e.fix ? { fix: e.fix } : {}) }]
    throw e
  }
}
