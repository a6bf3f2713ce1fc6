// SPDX-License-Identifier: Apache-2.0
// Preflight: after the deploy has connected to every host and before it changes
// anything, each host reports its facts (one command, all hosts at once) and the
// rules judge them. Any problem stops the deploy with every problem listed, each
// with its host and fix; an operator who knows better skips a rule by name.
import { FixableError, UsageError } from '../errors.ts'
import type { Model } from '../model/types.ts'
import type { Transport } from '../transport/types.ts'
import { parsePreflightFacts, preflightCommand } from './facts.ts'
import { preflightProblems, preflightRules, type HostReading, type PreflightProblem } from './rules.ts'

export { preflightRules, type PreflightProblem } from './rules.ts'

/** `--skip-preflight` values, checked: each must name a rule. */
export function skippedRules(names: readonly string[]): Set<string> {
  const unknown = names.filter((n) => !(preflightRules as readonly string[]).includes(n))
  if (unknown.length)
    throw new UsageError(
      `--skip-preflight ${unknown[0]!.slice(0, 40)}: there is no such check`,
      `name one of: ${preflightRules.join(', ')}`,
    )
  return new Set(names)
}

/** Read every connected host's facts and judge them; throws a host error (exit 4) listing every problem. */
export async function preflight(
  model: Model,
  transports: ReadonlyMap<string, Transport>,
  skip: ReadonlySet<string> = new Set(),
  now: () => number = Date.now,
): Promise<PreflightProblem[]> {
  if (preflightRules.every((r) => skip.has(r))) return []
  const hosts = model.hosts.filter((h) => transports.has(h.name))
  const readings = new Map<string, HostReading>()
  await Promise.all(
    hosts.map(async (h) => {
      const peers = model.hosts.filter((o) => o.name !== h.name).map((o) => ({ address: o.address, port: o.ssh.port }))
      const sentAt = now()
      const r = await transports.get(h.name)!.exec(preflightCommand(peers))
      const answeredAt = now()
      const facts = r.code === 0 ? parsePreflightFacts(r.stdout) : undefined
      if (!facts)
        throw new FixableError(
          `host ${h.name}: preflight could not read its facts (exit code ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]}` : ''})`,
          { kind: 'hosts', host: h.name, fix: 'it needs bash, iproute2, coreutils and awk, as Debian has them' },
        )
      readings.set(h.name, { facts, sentAt, answeredAt })
    }),
  )
  const problems = preflightProblems(model, readings, skip)
  if (problems.length) {
    const lines = problems.map((p) => `  ${p.host} [${p.rule}] ${p.found}: ${p.fix}`)
    throw new FixableError(`preflight found ${problems.length} problem(s), and nothing was changed:\n${lines.join('\n')}`, {
      kind: 'hosts',
      fix: `correct them and deploy again; a check you know better about is skipped with --skip-preflight ${problems[0]!.rule}`,
    })
  }
  return problems
}
