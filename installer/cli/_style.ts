// SPDX-License-Identifier: Apache-2.0
// Terminal colours, off when output is not a TTY or NO_COLOR is set (no-color.org).

const on = (stream: NodeJS.WriteStream) => !!stream.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb'
const wrap = (code: number, close: number) => (text: string, stream: NodeJS.WriteStream = process.stdout) =>
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
