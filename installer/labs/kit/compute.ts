// SPDX-License-Identifier: Apache-2.0
// The lab kit's Nova helpers: calls at the installer's microversion, the student's
// servers and key pairs as the checker sees them, and a test guest launched (as the
// student) and waited for.
import type { Cloud } from '../../openstack/index.ts'
import { computeMicroversion, type Server } from '../../openstack/compute.ts'
import { guestImageName } from '../../postdeploy/names.ts'
import { fail, notReady, pass, type CheckResult, type LabContext } from '../context.ts'
import { waitFor } from './wait.ts'

const nova = { 'openstack-api-version': `compute ${computeMicroversion}` }

/** Nova at the microversion the installer's client uses. */
export function novaCall<T>(
  c: Cloud,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  allow?: number[],
): Promise<T> {
  return c.session.request<T>('compute', method, path, {
    headers: nova,
    ...(body !== undefined ? { body } : {}),
    ...(allow ? { allow } : {}),
  })
}

/** The student's servers of that name (exact), as the checker sees them. */
export async function serversNamed(ctx: LabContext, name: string): Promise<Server[]> {
  const q = new URLSearchParams({ all_tenants: '1', project_id: ctx.student.project.id, name: `^${escapeRegex(name)}$` })
  return (await novaCall<{ servers: Server[] }>(ctx.checker, 'GET', `/servers/detail?${q.toString()}`)).servers
}

/** The student's keypair of that name, as the checker sees it (keypairs belong to users, not projects). */
export async function keypairOf(ctx: LabContext, name: string): Promise<{ name: string; public_key: string } | undefined> {
  const r = await novaCall<{ keypair: { name: string; public_key: string } } | undefined>(
    ctx.checker,
    'GET',
    `/os-keypairs/${encodeURIComponent(name)}?user_id=${encodeURIComponent(ctx.student.user.id)}`,
    undefined,
    [404],
  )
  return r && 'keypair' in r ? r.keypair : undefined
}

/** As the student: the test guest on m1.tiny on a network of theirs, made when no server has that name. */
export async function launchTinyServer(
  ctx: LabContext,
  spec: { name: string; network: string; keypair?: string; /** @default the test guest */ image?: string },
): Promise<void> {
  if ((await serversNamed(ctx, spec.name)).length) return
  const me = await ctx.asStudent()
  const imageName = spec.image ?? guestImageName
  const image = (await me.image.images({ name: imageName }))[0]
  const flavor = (await me.compute.flavors()).find((f) => f.name === 'm1.tiny')
  const network = (await me.network.networks({ name: spec.network }))[0]
  if (!image || !flavor || !network) throw new Error(`missing ${!image ? imageName : !flavor ? 'm1.tiny' : spec.network}`)
  await me.compute.createServer({
    name: spec.name,
    imageRef: image.id,
    flavorRef: flavor.id,
    networks: [{ uuid: network.id }],
    ...(spec.keypair ? { key_name: spec.keypair } : {}),
  })
}

/** The state of the student's server of that name: pass when ACTIVE on `network`, waiting while it builds. */
export async function serverState(ctx: LabContext, name: string, network: string): Promise<{ result: CheckResult; server?: Server }> {
  const [s, ...more] = await serversNamed(ctx, name)
  if (!s) return { result: fail(`your project has no instance named ${name}`) }
  if (more.length) return { result: fail(`your project has ${more.length + 1} instances named ${name}; delete the extra ones`) }
  if (s.status === 'ERROR')
    return { result: fail(`${name} failed to build: ${s.fault?.message ?? 'no reason given'}; delete it and launch it again`) }
  if (s.status === 'BUILD') return { result: notReady(`${name} is still building`) }
  if (s.status !== 'ACTIVE') return { result: fail(`${name} is ${s.status}; start it`) }
  if (!Object.keys(s.addresses ?? {}).includes(network)) return { result: fail(`${name} is not on the network ${network}`) }
  return { result: pass(`${name} is running`), server: s }
}

/** For solves and setups: the student's server of that name once it runs; its failure (ERROR…) at once. */
export async function waitForServer(ctx: LabContext, name: string, network: string): Promise<Server> {
  let running: Server | undefined
  await waitFor(ctx, `${name} to run`, async () => {
    const { result, server } = await serverState(ctx, name, network)
    if (result.status === 'fail') throw new Error(result.message)
    running = server
    return result.status === 'pass'
  })
  return running!
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
