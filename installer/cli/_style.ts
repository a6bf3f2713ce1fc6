// SPDX-License-Identifier: Apache-2.0
// Terminal colours: on for a terminal, off when NO_COLOR is set (no-color.org) or
// TERM is dumb; FORCE_COLOR (not 0) turns them on anywhere, as Node and npm read it.

const forced = () => process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0' && process.env.FORCE_COLOR !== 'false'
const on = (stream: NodeJS.WriteStream) => forced() || (!!stream.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb')
const wrap =
  (code: number, close: number) =>
  (text: string, stream: NodeJS.WriteStream = process.stdout) =>
    on(stream) ? `\x1b[${code}m${text}\x1b[${close}m` : text

export const style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
}

/** Write a line to stdout. */
export function out(line = ''): void {
  process.stdout.write(`${line}\n`)
}

/** Write a line to stderr. */
export function err(line = ''): void {
  process.stderr.write(`${line}\n`)
}
