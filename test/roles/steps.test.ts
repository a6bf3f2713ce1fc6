// SPDX-License-Identifier: Apache-2.0
// Every bootstrap step of every role, on every host of every fixture: guarded,
// valid bash, free of secrets (which travel on stdin), with no shell loop of their own.
import { describe, it } from 'vitest'
import { roles } from '../../roles/index.ts'
import { expectSafeSteps, fixtureModel, fixtureNames } from '../helpers.ts'

describe.each(fixtureNames)('bootstrap steps of %s', (fixture) => {
  const model = fixtureModel(fixture)
  it.each(roles.filter((r) => r.bootstrap && r.enabled(model)).map((r) => r.name))('%s: guarded, valid bash, no secrets', (name) => {
    const role = roles.find((r) => r.name === name)!
    for (const host of role.hosts(model)) expectSafeSteps(model, role.bootstrap!({ model, host }))
  })
})
