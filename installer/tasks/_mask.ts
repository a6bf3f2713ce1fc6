// SPDX-License-Identifier: Apache-2.0
// What --check may show of a file that holds secrets. Known secrets are already
// replaced by their names; this masks what a host's old copy may still hold (a
// rotated password), and every line whose shape it cannot vouch for.

/** Keys whose values are credentials in the files Stackhouse renders. */
const secretKey = /(pass(word|wd)?|secret|token|cookie|credential|fernet|(^|[_ .-])key)$/i
/** A URL with a password in it: scheme://user:password@host. */
const urlPassword = /(\w+:\/\/[^\s:/@]+:)([^\s@/]+)(@)/g
/** A value that is already a secret's name (the redactor's tag). */
const named = /^<secret:[a-z0-9_]+>$/

/**
 * `text` with the value of every credential-like key masked, passwords inside URLs
 * masked, and every line that is neither blank, a comment, a section header nor
 * `key = value` (a key file, a cookie) replaced whole.
 */
export function maskSecrets(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*([#;].*)?$/.test(line) || /^\s*\[[^\]]+\]\s*$/.test(line)) return line
      // NOTE: only `name = value` with blanks around the sign: a base64 key ends in '=' and must not pass for a key.
      const kv = /^(\s*[A-Za-z_][\w.\- ]*?\s+[=:]\s+)(\S.*)$/.exec(line)
      if (!kv) return '«line not shown: it may hold a secret»'
      const [, key = '', value = ''] = kv
      if (secretKey.test(key.replace(/[\s=:]+$/, '').trim()) && !named.test(value.trim())) return `${key}«masked»`
      return `${key}${value.replace(urlPassword, (_, head: string, pw: string, at: string) => (named.test(pw) ? `${head}${pw}${at}` : `${head}«masked»${at}`))}`
    })
    .join('\n')
}
