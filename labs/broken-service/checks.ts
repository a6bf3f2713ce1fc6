// SPDX-License-Identifier: Apache-2.0
// Checks and solves of the broken-service lab (exclusive: the student holds the
// cloud). Faults are made on the hosts through the lab operator; the repair of a
// configuration is Stackhouse deploying that role again, and the last hint of the
// password step is Stackhouse's own diff of the live file against the rendered one.
import { fail, notReady, pass, waitFor, type CheckResult, type LabContext } from '../../installer/labs/kit.ts'
import type { LabOperator } from '../../installer/labs/operator.ts'

const agent = 'neutron-dhcp-agent'
const glanceConf = '/etc/glance/glance-api.conf'

function operator(ctx: LabContext): LabOperator {
  if (!ctx.operator) throw new Error('this lab needs the cloud to itself: isolation exclusive')
  return ctx.operator
}

export async function stopAgent(ctx: LabContext): Promise<void> {
  await operator(ctx).run('neutron', `systemctl stop ${agent}`)
}

export async function agentRunning(ctx: LabContext): Promise<CheckResult> {
  const op = operator(ctx)
  const host = op.hostOf('neutron')
  const unit = (await op.run('neutron', `systemctl is-active ${agent}`)).stdout.trim()
  if (unit !== 'active') return fail(`the DHCP agent on ${host} is not running (${unit})`)
  const [a] = await ctx.checker.network.agents({ binary: agent, host })
  if (!a?.alive) return notReady(`the DHCP agent on ${host} runs, and has not reported in yet`)
  return pass(`the DHCP agent on ${host} runs and reports in`)
}

export async function startAgent(ctx: LabContext): Promise<void> {
  await operator(ctx).run('neutron', `systemctl start ${agent}`)
}

/** Step 2's fault: Keystone's password in the image API's file made wrong, then the API restarted. */
export async function breakPassword(ctx: LabContext): Promise<void> {
  const op = operator(ctx)
  const r = await op.run(
    'glance',
    `sed -i '/^\\[keystone_authtoken\\]/,/^\\[/ s/^password *=.*/password = not-the-password/' ${glanceConf} && systemctl restart glance-api`,
  )
  if (r.code !== 0) throw new Error(`breaking ${glanceConf} failed: ${r.stderr.trim()}`)
  // Back from its restart, refusing: the student meets the fault, not a restart.
  await waitFor(ctx, 'the image API to answer again', async () => (await imageApiStatus(ctx)) !== 0, { minutes: 2, everyMs: 1000 })
}

/** The image API's status for a list with a fresh token (it must validate it now, with its own password); 0 for no answer. */
async function imageApiStatus(ctx: LabContext): Promise<number> {
  const session = ctx.checker.session
  const fresh = await session.keystone.another()
  const res = await fetch(`${session.endpoint('image')}/v2/images?limit=1`, {
    headers: { 'x-auth-token': fresh.token },
    signal: AbortSignal.timeout(15_000),
  }).catch(() => undefined)
  await res?.body?.cancel()
  return res?.status ?? 0
}

export async function imageApiWorks(ctx: LabContext): Promise<CheckResult> {
  const status = await imageApiStatus(ctx)
  if (!status) return fail('the image API does not answer: is glance-api running?')
  if (status < 400) return pass('the image API lists images again')
  return fail(`the image API answers ${status}: it cannot check tokens`)
}

export async function redeployGlance(ctx: LabContext): Promise<void> {
  await operator(ctx).reapply('glance')
  // The API answers once its restart is through.
  await waitFor(ctx, 'the image API to answer', async () => (await imageApiWorks(ctx)).status === 'pass', { minutes: 2 })
}

/** The last hint: what Stackhouse would change in the image service's files, secrets by name. */
export async function glanceDrift(ctx: LabContext): Promise<string> {
  const diff = await operator(ctx).drift('glance')
  if (!diff) return 'Stackhouse finds every file of the image service as it deployed it: the restart may be all that is missing.'
  return `What Stackhouse would change (\`stackhouse deploy --check --only glance\`):\n\n\`\`\`diff\n${diff}\n\`\`\``
}

/** The cleanup: the agent running and the image service as deployed, whatever the student did. */
export async function repairAll(ctx: LabContext): Promise<void> {
  await startAgent(ctx)
  if ((await imageApiWorks(ctx)).status !== 'pass' || (await operator(ctx).drift('glance'))) await redeployGlance(ctx)
  await waitFor(ctx, 'the DHCP agent to report in', async () => (await agentRunning(ctx)).status === 'pass', { minutes: 3 })
}
