// SPDX-License-Identifier: Apache-2.0
// Every role, in deploy order: infrastructure, identity, then the services that
// register with it, then what uses them.
import type { Role } from '../installer/render/role.ts'
import memcached from './memcached/role.ts'

export const roles: readonly Role[] = [memcached]
