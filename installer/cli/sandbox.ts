// SPDX-License-Identifier: Apache-2.0
import { Command } from 'commander'
import { UsageError } from '../errors.ts'
import type { SandboxEvent } from '../commands/events.ts'
import { roles } from '../../roles/index.ts'
import { buildSandboxLayer, removeSandboxLayer, sandboxLayer, type LayerInfo } from '../commands/layer.ts'
import { createSandboxes, destroySandboxes, listSandboxHosts } from '../commands/sandbox.ts'
import { SandboxError, startSandbox, stopSandbox, type RootfsMode, type SandboxHost } from '../sandbox/index.ts'
import { render } from './_events.ts'
import { err, out, style } from './_style.ts'

/** 75 → "1m15s": uptimes read at a glance. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = Math.floor(seconds % 60)
  if (h) return `${h}h${String(m).padStart(2, '0')}m`
  return m ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`
}

/**
 * Report a SandboxError (with its cause and fix) and exit 1 instead of letting it
 * reach main() as an internal error: a missing package or a host that does not
 * boot is a problem of this machine, not a bug in Stackhouse.
 */
function guarded<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args)
    } catch (e) {
      if (!(e instanceof SandboxError)) throw e
      err(`${style.red('✖', process.stderr)} ${e.message}`)
      if (e.cause instanceof Error) err(`  because: ${e.cause.message.replaceAll('\n', '\n    ')}`)
      if (e.fix) err(`  fix: ${e.fix}`)
      process.exitCode = 1
    }
  }
}

const create = new Command('create')
  .description('create and boot sandbox hosts (Debian 12 under systemd-nspawn) and write their inventory')
  .argument('<names...>', 'host names; aio1 gets 10.77.0.11 as in the built-in inventory, others the next free address')
  .option('--rootfs <mode>', 'overlay (on the cached base, fast) or copy (a full copy per host)', 'overlay')
  .action(
    guarded(async (names: string[], flags: { rootfs: string }) => {
      if (flags.rootfs !== 'overlay' && flags.rootfs !== 'copy') throw new UsageError(`--rootfs ${flags.rootfs}: expected overlay or copy`)
      const onEvent = render<SandboxEvent>({
        sandbox: (e) => out(style.dim(`  ${e.line}`)),
        'sandbox-created': (e) =>
          out(`${style.green('✔')} ${e.host.name} is running at ${e.host.address} ${style.dim(`(${e.seconds.toFixed(1)} s)`)}`),
      })
      const made = await createSandboxes(names, { rootfs: flags.rootfs as RootfsMode, onEvent })
      out(`inventory: ${made.inventory}`)
      out(style.dim(`ssh: ssh -i ${made.key} -o UserKnownHostsFile=${made.knownHosts} root@ADDRESS`))
    }),
  )

function table(hosts: SandboxHost[]): void {
  const rows = [
    ['NAME', 'ADDRESS', 'STATE', 'PID', 'UPTIME'],
    ...hosts.map((h) => [
      h.name,
      h.address,
      h.state,
      h.pid ? String(h.pid) : '-',
      h.uptimeSeconds === undefined ? '-' : formatDuration(h.uptimeSeconds),
    ]),
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const r of rows)
    out(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
}

const list = new Command('list')
  .description('list sandbox hosts: name, address, state, pid and uptime')
  .option('--json', 'print as JSON')
  .action(
    guarded(async (flags: { json?: boolean }) => {
      const info = listSandboxHosts()
      if (flags.json) return out(JSON.stringify(info, null, 2))
      const { hosts } = info
      if (!hosts.length) return out('no sandbox hosts; create one with: stackhouse sandbox create aio1')
      table(hosts)
    }),
  )

const destroy = new Command('destroy')
  .description('stop sandbox hosts and remove everything of them; --all also removes the bridges and stops the package cache')
  .argument('[names...]', 'host names')
  .option('--all', 'every host (keeps the cached base root file system and packages)')
  .action(
    guarded(async (names: string[], flags: { all?: boolean }) => {
      if (flags.all && names.length) throw new UsageError('give host names or --all, not both')
      if (!flags.all && !names.length) throw new UsageError('which hosts?', 'give their names, or --all (see "stackhouse sandbox list")')
      const gone = await destroySandboxes(flags.all ? 'all' : names)
      for (const n of gone.destroyed) out(`${style.green('✔')} destroyed ${n}`)
      if (gone.machine)
        out(
          `${style.green('✔')} removed the bridges and stopped the package cache ${style.dim('(the base root file system and cached packages stay)')}`,
        )
    }),
  )

const start = new Command('start')
  .description('start stopped sandbox hosts (also after this machine rebooted); their disks are as they were')
  .argument('<names...>', 'host names')
  .action(
    guarded(async (names: string[]) => {
      const r = await startSandbox(names, (l) => err(style.dim(`  ${l}`, process.stderr)))
      for (const n of r.started) out(`${style.green('✔')} started ${n}`)
      for (const n of r.running) out(`${style.green('✔')} ${n} was running`)
    }),
  )

const stop = new Command('stop')
  .description('stop sandbox hosts cleanly, keeping their disks (start them again with "sandbox start")')
  .argument('<names...>', 'host names')
  .action(
    guarded(async (names: string[]) => {
      const r = await stopSandbox(names)
      for (const n of r.stopped) out(`${style.green('✔')} stopped ${n}`)
      for (const n of r.notRunning) out(`${style.green('✔')} ${n} was not running`)
    }),
  )

function describeLayer(l: LayerInfo): void {
  out(`layer:    ${l.path}`)
  out(`built:    ${l.builtAt} in ${formatDuration(l.seconds)} by "${l.builtBy}"`)
  out(`packages: ${l.packages.length} (${l.packages.slice(0, 6).join(', ')}${l.packages.length > 6 ? ', …' : ''})`)
}

const layerBuild = new Command('build')
  .description(
    'install every package of the all-in-one cloud on a throwaway host and keep them as a layer new hosts start from (about 5 min)',
  )
  .action(
    guarded(async () => {
      const onEvent = render<SandboxEvent>({ sandbox: (e) => out(style.dim(`  ${e.line}`)), 'sandbox-created': () => {} })
      const layer = await buildSandboxLayer(roles, { onEvent })
      out(`${style.green('✔')} built the pre-installed layer: new sandbox hosts start with their packages in`)
      describeLayer(layer)
    }),
  )

const layerShow = new Command('show')
  .description('the layer new sandbox hosts start from, if any')
  .option('--json', 'print as JSON')
  .action(
    guarded(async (flags: { json?: boolean }) => {
      const layer = sandboxLayer()
      if (flags.json) return out(JSON.stringify(layer ?? null, null, 2))
      if (!layer)
        return out('no layer: sandbox hosts start from the base and install their packages; build one with: stackhouse sandbox layer build')
      describeLayer(layer)
    }),
  )

const layerRemove = new Command('remove').description('stop using the layer (hosts made from it keep it until they are destroyed)').action(
  guarded(async () => {
    const gone = removeSandboxLayer()
    out(gone ? `${style.green('✔')} removed the layer of ${gone.builtAt}` : 'there was no layer')
  }),
)

const layer = new Command('layer')
  .description('the pre-installed layer: every all-in-one package installed once, so a sandbox deploy only configures')
  .addCommand(layerBuild)
  .addCommand(layerShow)
  .addCommand(layerRemove)

export const sandboxCommand = new Command('sandbox')
  .description('local test hosts: Debian 12 booted with systemd-nspawn, on a private bridge with a package cache')
  .addCommand(create)
  .addCommand(list)
  .addCommand(start)
  .addCommand(stop)
  .addCommand(destroy)
  .addCommand(layer)
