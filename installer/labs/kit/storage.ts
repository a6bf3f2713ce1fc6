// SPDX-License-Identifier: Apache-2.0
// The lab kit's storage reads, as the checker sees them: the student's Cinder
// volumes and snapshots, and their Swift account.
import type { LabContext } from '../context.ts'

/**
 * The student's Swift account as the checker reads it (it holds ResellerAdmin):
 * `path` is `/<container>[/<object>]`, already encoded. Also the account's URL, which
 * is what the student's own catalog says.
 */
export function studentSwift(ctx: LabContext): { url: string; read(method: 'GET' | 'HEAD', path: string): Promise<Response> } {
  const url = ctx.checker.session.endpoint('object-store').replace(/AUTH_[^/]+$/, `AUTH_${ctx.student.project.id}`)
  return { url, read: (method, path) => ctx.checker.session.fetch('object-store', method, `${url}${path}`, { allow: [404] }) }
}

/** The student's volumes of that name, as the checker sees them (with their details). */
export async function volumesNamed(ctx: LabContext, name: string): Promise<CinderVolume[]> {
  const q = new URLSearchParams({ all_tenants: '1', project_id: ctx.student.project.id, name })
  return (await ctx.checker.session.request<{ volumes: CinderVolume[] }>('volumev3', 'GET', `/volumes/detail?${q.toString()}`)).volumes
}

/** The student's snapshots of that name, as the checker sees them. */
export async function snapshotsNamed(
  ctx: LabContext,
  name: string,
): Promise<{ id: string; name: string; status: string; volume_id: string }[]> {
  const q = new URLSearchParams({ all_tenants: '1', project_id: ctx.student.project.id, name })
  return (
    await ctx.checker.session.request<{ snapshots: { id: string; name: string; status: string; volume_id: string }[] }>(
      'volumev3',
      'GET',
      `/snapshots/detail?${q.toString()}`,
    )
  ).snapshots
}

export interface CinderVolume {
  id: string
  name: string | null
  status: string
  size: number
  bootable?: string
  snapshot_id?: string | null
  attachments: { server_id: string }[]
  volume_image_metadata?: Record<string, string>
}
