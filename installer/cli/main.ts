// SPDX-License-Identifier: Apache-2.0
// The CLI's only exit point: every error maps to a message, and its kind to an exit code.
import { Command, CommanderError } from 'commander'
import { StackhouseError } from '../errors.ts'
import { InventoryError, formatProblem } from '../inventory/problems.ts'
import { stackhouseVersion } from '../paths.ts'
import { initCommand } from './init.ts'
import { deployCommand, DeployFailed } from './deploy.ts'
import { addHostCommand } from './add-host.ts'
import { removeHostCommand } from './remove-host.ts'
import { backupCommand, restoreCommand } from './backup.ts'
import { vsphereCommand } from './vsphere.ts'
import { destroyCommand } from './destroy.ts'
import { verifyCommand, VerifyFailed } from './verify.ts'
import { statusCommand } from './status.ts'
import { startCommand, stopCommand } from './power.ts'
import { completionCommand } from './completion.ts'
import { ConnectError } from '../runner/connect.ts'
import { TaskError } from '../tasks/types.ts'
import { planCommand } from './plan.ts'
import { renderCommand } from './render.ts'
import { imageCommand } from './image.ts'
import { applianceCommand } from './appliance.ts'
import { labCommand } from './lab.ts'
import { classCommand } from './class.ts'
import { sandboxCommand } from './sandbox.ts'
import { secretsCommand } from './secrets.ts'
import { certsCommand } from './certs.ts'
import { validateCommand } from './validate.ts'
import { exitCodes } from './_exit-codes.ts'
import { err, style } from './_style.ts'
import { sanitizeMessage } from '../printable.ts'

export { exitCodes }

const version = stackhouseVersion()

export function program(): Command {
  const cli = new Command('stackhouse')
    .description('Deploy a complete, real OpenStack cloud (Debian 12, Zed) onto Linux hosts, sandbox hosts or vSphere.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  for (const cmd of [
    initCommand,
    validateCommand,
    renderCommand,
    planCommand,
    deployCommand,
    addHostCommand,
    removeHostCommand,
    backupCommand,
    restoreCommand,
    verifyCommand,
    statusCommand,
    stopCommand,
    startCommand,
    destroyCommand,
    secretsCommand,
    certsCommand,
    sandboxCommand,
    imageCommand,
    applianceCommand,
    vsphereCommand,
    labCommand,
    classCommand,
  ]) {
    cli.addCommand(cmd)
    // Every command at any depth (sandbox layer build…): its name as typed after "stackhouse".
    const withNames = (c: Command, name: string): [Command, string][] => [
      [c, name],
      ...c.commands.flatMap((sub) => withNames(sub, `${name} ${sub.name()}`)),
    ]
    for (const [sub, name] of withNames(cmd, cmd.name())) {
      sub.exitOverride().showHelpAfterError('(run with --help for usage)')
      sub.addHelpText(
        'after',
        `${examples[name] ? `\nExamples:\n${examples[name].map((e) => `  $ stackhouse ${e}`).join('\n')}\n` : ''}${exitCodeHelp}`,
      )
    }
  }
  const completion = completionCommand(() => cli)
  cli.addCommand(completion)
  completion
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\nExamples:\n  $ . <(stackhouse completion bash)   # in ~/.bashrc\n${exitCodeHelp}`)
  cli.addHelpText('after', exitCodeHelp)
  return cli
}

/** The same table at the end of every command's help. */
const exitCodeHelp = `
Exit codes:
  0   success
  1   a problem in your input (inventory, overrides, secrets file): the message names the file, the line and the fix
  2   bad usage (an unknown option or argument)
  3   deploy --check: changes are pending (nothing was changed); a drift check in CI
  4   a host failed or could not be reached
  5   a verify check failed
  6   status: the cloud is not healthy (a host, a unit, an API, a service or an agent is down)
  70  a bug in Stackhouse: please report it
`

/** A few lines of real use per command, as an operator would type them. */
const examples: Record<string, string[]> = {
  init: ['init --hosts ctl1=10.0.0.11,cmp1=10.0.0.21,cmp2=10.0.0.22', 'init mycloud/inventory.yml'],
  validate: ['validate -i inventory.yml', 'validate inventory.yml --json'],
  render: ['render -i inventory.yml -o rendered/   # then: diff -r rendered/ previous/'],
  plan: ['plan -i inventory.yml', 'plan -i inventory.yml --json'],
  deploy: [
    'deploy                                   # the all-in-one cloud on a sandbox host',
    'deploy -i inventory.yml --check',
    'deploy -i inventory.yml --only nova,neutron --limit cmp1,cmp2',
    'deploy -i inventory.yml --trust-new-hosts   # first contact with new hosts',
  ],
  'add-host': [
    'add-host cmp3 --address 10.0.0.23 --group compute -i inventory.yml',
    'add-host sto2 --address 10.0.0.31 --group storage -i inventory.yml --trust-new-hosts',
  ],
  'remove-host': ['remove-host cmp3 -i inventory.yml', 'remove-host cmp3 -i inventory.yml --json'],
  backup: ['backup -i inventory.yml', 'backup -i inventory.yml -o /srv/backups/cloud-monday.tar --json'],
  'vsphere deploy-appliance': [
    'vsphere deploy-appliance out/stackhouse-0.1.0.ova --url https://vcenter.example.com --user administrator@vsphere.local --cluster Lab --datastore ssd1 --network "VM Network" --set network.mode=dhcp --password-stdin < vc-password',
  ],
  restore: ['restore .stackhouse/backups/prod-20261204T101500Z.tar -i inventory.yml --yes'],
  verify: ['verify', 'verify -i inventory.yml --json', 'verify --keep   # keep the test server to look at'],
  'certs status': ['certs status -i inventory.yml', 'certs status -i inventory.yml --json'],
  'certs renew': ['certs renew -i inventory.yml   # a new API certificate on the hosts; only what serves it restarts'],
  status: ['status', 'status -i inventory.yml --json', 'status --wait 600   # after a reboot: wait until the cloud is back'],
  stop: ['stop                      # the built-in cloud: services, then its sandbox host', 'stop -i inventory.yml'],
  start: ['start', 'start -i inventory.yml --no-wait'],
  destroy: ['destroy                                  # the built-in sandbox cloud', 'destroy -i inventory.yml --yes-i-really-mean-it'],
  'secrets list': ['secrets list -i inventory.yml'],
  'secrets show': ['secrets show admin_password'],
  'secrets set': ['secrets set vsphere_password -i inventory.yml < vcenter-password.txt'],
  'secrets rotate': [
    'secrets rotate nova_database_password --dry-run -i inventory.yml',
    'secrets rotate admin_password rabbitmq_password -i inventory.yml && stackhouse deploy -i inventory.yml',
  ],
  'sandbox create': ['sandbox create ctl1 cmp1'],
  'sandbox destroy': ['sandbox destroy --all'],
  'image build': ['image build --out out/'],
  'appliance build': ['appliance build --out out/', 'appliance build --vmx 19 --json'],
  'appliance status': ['appliance status --json'],
  'lab list': ['lab list', 'lab list --json'],
  'lab start': ['lab start first-instance', 'lab start first-instance --class mon --student 3'],
  'lab check': ['lab check first-instance', 'lab check first-instance launch --json'],
  'lab hint': ['lab hint first-instance'],
  'lab solve': ['lab solve first-instance 2   # steps 1 and 2'],
  'lab test': ['lab test first-instance', 'lab test --json', 'lab test troubleshooting --student 2   # the other faults'],
  'lab serve': ['lab serve --host 0.0.0.0   # http(s)://<this machine>:8480/', 'lab serve -i inventory.yml --port 9000'],
  'lab validate': ['lab validate ./my-lab'],
  'class create': ['class create mon --students 12'],
  'class status': ['class status mon first-instance', 'class status mon networking --json'],
  'class solve': ['class solve mon first-instance launch --student 3'],
  'class reset': ['class reset mon first-instance --student 3', 'class reset mon first-instance   # every student'],
  'class time': ['class time mon networking --minutes 30', 'class time mon networking --minutes 0   # no limit'],
  'class extend': ['class extend mon networking --minutes 10 --student 3', 'class extend mon networking --minutes 5   # everyone'],
  'appliance repair': ['appliance repair'],
  'appliance reconfigure': [
    'appliance reconfigure --floating-range 192.0.2.100-192.0.2.149',
    'appliance reconfigure --password-stdin < new-password.txt',
  ],
}

/** Run the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (e) {
    return report(e)
  }
}

/** What the CLI prints for an error, and its exit code. Pure, so every error kind's mapping is testable. */
export interface ErrorReport {
  code: number
  /** Lines for stderr (uncoloured; already printed by commander when empty). */
  lines: string[]
}

const failure = (message: string, fix?: string) => `✖ ${sanitizeMessage(message)}${fix ? `\n  fix: ${sanitizeMessage(fix)}` : ''}`

/**
 * What the CLI prints for an error, and its exit code. The code comes from the
 * error's kind alone; anything that is not a StackhouseError is a bug (70).
 */
export function describeError(e: unknown): ErrorReport {
  // commander has printed its own message; help and version exit 0.
  if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : exitCodes.usage, lines: [] }
  if (!(e instanceof StackhouseError) || e.kind === 'internal') return { code: exitCodes.internal, lines: bugLines(e) }
  return { code: exitCodes[e.kind], lines: detailLines(e) }
}

/** The errors that say more than their message and fix; the rest print just those. */
function detailLines(e: StackhouseError): string[] {
  if (e instanceof InventoryError)
    return [...e.problems.map((p) => `✖ ${sanitizeMessage(formatProblem(p))}`), `${e.problems.length} error(s); nothing was changed.`]
  // verify has printed its report, which says which check failed and where to look.
  if (e instanceof VerifyFailed) return []
  if (e instanceof DeployFailed)
    return ['Nothing was half-written: files are replaced atomically. Fix the cause and re-run; finished tasks are skipped.']
  if (e instanceof TaskError) {
    return [
      failure(`${e.host}: task ${e.task} failed: ${e.message}`),
      ...(e.stderr
        ? [
            `  output (last lines):\n${e.stderr
              .split('\n')
              .map((l) => `    ${sanitizeMessage(l)}`)
              .join('\n')}`,
          ]
        : []),
    ]
  }
  if (e instanceof ConnectError) return [...e.errors.map((t) => failure(t.message, t.fix)), 'Nothing was changed on any host.']
  return [failure(e.message, e.fix)]
}

function bugLines(e: unknown): string[] {
  return [
    `✖ internal error in Stackhouse ${version} on Node ${process.version}: this is a bug, please report it with the text below.`,
    e instanceof Error ? (e.stack ?? e.message) : String(e),
  ]
}

function report(e: unknown): number {
  const { code, lines } = describeError(e)
  for (const line of lines) err(line.startsWith('✖') ? `${style.red('✖', process.stderr)}${line.slice(1)}` : line)
  return code
}
