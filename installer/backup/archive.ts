// SPDX-License-Identifier: Apache-2.0
// A backup's file: a tar archive (made and read by Debian's tar) of a folder that
// holds manifest.json and the files it lists with their SHA-256. Written under a
// temporary name and renamed, 0600 (it holds the cloud's secrets and CA key). Read
// into a private folder and trusted only after every check: regular files only, the
// manifest's shape, every file listed and its hash right, nothing unlisted.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, createReadStream, lstatSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve as resolvePath, sep } from 'node:path'
import { Ajv } from 'ajv'
import { FixableError } from '../errors.ts'

export const backupFormat = 'stackhouse-backup/1'

export interface BackupManifest {
  format: typeof backupFormat
  /** The Stackhouse version that made it. */
  stackhouse: string
  /** The cloud's name (the inventory's `name`). */
  cloud: string
  created: string
  /** The inventory's hosts when the backup was made. */
  hosts: string[]
  /** The databases in databases.sql.gz, dumped together from `databaseHost`. */
  databaseHost: string
  databases: string[]
  /** Role data: data/<role>.tar.gz from the host that keeps it; `dirs` are its paths, folders or files (the format's name). */
  data: { role: string; host: string; dirs: string[]; file: string }[]
  /** Every other file of the archive → its SHA-256 (hex). */
  files: Record<string, string>
}

const manifestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'stackhouse', 'cloud', 'created', 'hosts', 'databaseHost', 'databases', 'data', 'files'],
  properties: {
    format: { const: backupFormat },
    stackhouse: { type: 'string', maxLength: 64 },
    cloud: { type: 'string', maxLength: 128 },
    created: { type: 'string', maxLength: 64 },
    hosts: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 253 } },
    databaseHost: { type: 'string', maxLength: 253 },
    databases: { type: 'array', maxItems: 100, items: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' } },
    data: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['role', 'host', 'dirs', 'file'],
        properties: {
          role: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
          host: { type: 'string', maxLength: 253 },
          dirs: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', pattern: '^/[A-Za-z0-9._/-]+$' } },
          file: { type: 'string', pattern: '^data/[a-z][a-z0-9-]{0,63}\\.tar\\.gz$' },
        },
      },
    },
    files: {
      type: 'object',
      maxProperties: 10000,
      propertyNames: { pattern: '^[A-Za-z0-9._-][A-Za-z0-9._/-]{0,254}$', not: { pattern: '(^|/)\\.\\.(/|$)' } },
      additionalProperties: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    },
  },
} as const

const validate = new Ajv({ allErrors: false }).compile<BackupManifest>(manifestSchema)

/** A file's SHA-256, read as a stream: image folders run to gigabytes. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Every regular file under `dir`, as paths relative to it with `/`; anything else (a link, a device) is refused. */
export function filesUnder(dir: string, what: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      const st = lstatSync(p)
      if (st.isDirectory()) walk(p)
      else if (st.isFile()) out.push(relative(dir, p).split(sep).join('/'))
      else
        throw new FixableError(`${what} holds ${relative(dir, p)}, which is not a regular file`, {
          fix: 'use a backup made by stackhouse backup',
        })
    }
  }
  walk(dir)
  return out.sort()
}

/** Fill in the manifest's `files` from what `staging` holds, write it, and pack `staging` into `output` (0600). */
export async function writeBackupArchive(
  staging: string,
  manifest: Omit<BackupManifest, 'files'>,
  output: string,
): Promise<BackupManifest> {
  const files: Record<string, string> = {}
  for (const f of filesUnder(staging, 'the backup')) files[f] = await sha256File(join(staging, f))
  const full: BackupManifest = { ...manifest, files }
  writeFileSync(join(staging, 'manifest.json'), `${JSON.stringify(full, null, 2)}\n`, { mode: 0o600 })
  const partial = join(dirname(output), `.${Date.now().toString(36)}.stackhouse-backup.partial`)
  try {
    // Made 0600 before tar writes into it (tar keeps an existing file's mode): the secrets are never readable by others.
    writeFileSync(partial, '', { mode: 0o600, flag: 'wx' })
    tar(['--create', '--file', partial, '--owner=0', '--group=0', '--numeric-owner', '-C', staging, '.'], output)
    chmodSync(partial, 0o600)
    renameSync(partial, output)
  } finally {
    rmSync(partial, { force: true })
  }
  return full
}

export interface OpenedBackup {
  /** The private folder the archive was unpacked into; `close` removes it. */
  dir: string
  manifest: BackupManifest
  close(): void
}

/** A private folder beside the archive (where there is room for it), else in the temporary folder. */
function unpackDir(file: string): string {
  try {
    return mkdtempSync(join(dirname(resolvePath(file)), '.stackhouse-restore-'))
  } catch {
    return mkdtempSync(join(tmpdir(), 'stackhouse-restore-'))
  }
}

/** Unpack and check a backup; throws an input error (exit 1) naming the file and what is wrong. */
export async function openBackupArchive(file: string): Promise<OpenedBackup> {
  const dir = unpackDir(file)
  const close = () => {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // Left for the operator: the error that brought us here matters more.
    }
  }
  try {
    const bad = (what: string) =>
      new FixableError(`${file} is not a usable Stackhouse backup: ${what}`, { fix: 'use a file made by stackhouse backup' })
    // GNU tar skips members with `..` and strips a leading `/`; links are refused after.
    tar(['--extract', '--file', file, '--no-same-owner', '--no-same-permissions', '-C', dir], file)
    // A folder of mode 000 in the archive must not stop the checks (or the clean-up).
    spawnSync('chmod', ['-R', 'u+rwX', '--', dir])
    const present = filesUnder(dir, file)
    if (!present.includes('manifest.json')) throw bad('it has no manifest.json')
    let manifest: unknown
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
    } catch (e) {
      throw bad(`its manifest.json is not JSON (${(e as Error).message})`)
    }
    if (!validate(manifest)) {
      const e = validate.errors?.[0]
      throw bad(`its manifest.json ${e ? `${e.instancePath || '(top)'} ${e.message}` : 'is malformed'}`)
    }
    const listed = Object.keys(manifest.files)
    const unlisted = present.filter((f) => f !== 'manifest.json' && !(f in manifest.files))
    if (unlisted.length) throw bad(`it holds files its manifest does not list: ${unlisted.slice(0, 3).join(', ')}`)
    for (const f of listed) {
      if (!present.includes(f)) throw bad(`${f} is missing`)
      if ((await sha256File(join(dir, f))) !== manifest.files[f])
        throw bad(`${f} does not match its SHA-256 in the manifest (damaged or changed)`)
    }
    const needed = ['databases.sql.gz', ...manifest.data.map((d) => d.file)]
    for (const f of needed) if (!(f in manifest.files)) throw bad(`its manifest names ${f} but does not list it`)
    return { dir, manifest, close }
  } catch (e) {
    close()
    throw e
  }
}

function tar(args: string[], file: string): void {
  const r = spawnSync('tar', args, { encoding: 'utf8' })
  if (r.error) throw r.error
  if (r.status !== 0) throw new FixableError(`tar failed on ${file}: ${r.stderr.trim()}`, { fix: 'check the path and the free disk space' })
}
