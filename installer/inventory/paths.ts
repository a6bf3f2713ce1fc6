// SPDX-License-Identifier: Apache-2.0
// Paths an inventory names on this machine (SSH keys, TLS files): absolute,
// ~/… for the user's home, or relative to the inventory's folder.
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

export function resolveLocalPath(path: string, inventoryDir: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(2))
  return isAbsolute(path) ? path : resolve(inventoryDir, path)
}
