// SPDX-License-Identifier: Apache-2.0
// Per-host log files of everything a run did, with every secret value replaced
// by its name, so logs can be shared when asking for help.
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { confidentialValues, type SecretCatalog } from '../secrets/names.ts'
import { mkdirPrivate } from '../private-dir.ts'

export class HostLog {
  readonly path: string
  /** `echo` gets each line too, already redacted (`deploy -v` streams them). */
  constructor(
    dir: string,
    host: string,
    readonly redact: (s: string) => string,
    private readonly echo?: (line: string) => void,
  ) {
    mkdirPrivate(dir)
    this.path = join(dir, `${host}.log`)
  }

  write(line: string): void {
    const safe = this.redact(line)
    appendFileSync(this.path, `${new Date().toISOString()} ${safe}\n`, { mode: 0o600 })
    this.echo?.(safe)
  }
}

/** A function that replaces each secret value in a text with `<secret:name>` (identifiers such as the Ceph fsid stay). */
export function redactor(secrets: Readonly<Partial<Record<string, string>>>, catalog: SecretCatalog): (s: string) => string {
  // Longest first, so a secret that contains another is replaced whole.
  const pairs = Object.entries(confidentialValues(secrets, catalog))
    .filter(([, v]) => v.length >= 6)
    .sort((a, b) => b[1].length - a[1].length)
  return (s) => pairs.reduce((text, [name, value]) => text.replaceAll(value, `<secret:${name}>`), s)
}
