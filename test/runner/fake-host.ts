// SPDX-License-Identifier: Apache-2.0
// A recording transport for unit tests of the engine: a pretend Debian host
// with files, packages and systemd units, answering the commands tasks run.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { factsCommand } from '../../installer/facts.ts'
import type { ModelHost } from '../../installer/model/types.ts'
import type { TaskContext } from '../../installer/tasks/types.ts'
import type { ExecOptions, ExecResult, Transport, WriteOptions } from '../../installer/transport/types.ts'

/** For fakes that never copy files: a call is a bug in the test. */
export const noFileCopy: Pick<Transport, 'download' | 'upload'> = {
  download: async () => {
    throw new Error('this fake host copies no files')
  },
  upload: async () => {
    throw new Error('this fake host copies no files')
  },
}

/** A task's context on a stand-in host: nothing logged, nothing to redact. */
export function taskContext(transport: Transport, host: ModelHost, check = false): TaskContext {
  return { transport, host, check, changedFiles: new Set(), log: () => {}, redact: (s) => s }
}

export class FakeHost implements Transport {
  readonly commands: string[] = []
  readonly writes: string[] = []
  files = new Map<string, { content: string; mode: string; owner: string; group: string }>()
  installed = new Set<string>()
  units = new Map<string, { enabled: boolean; active: boolean; failed?: boolean; restarts: number }>()
  /** Commands (regex source) that fail, with their stderr. */
  failing = new Map<string, string>()
  /** What `dpkg --audit` says: empty, or the start of its report on a half-done dpkg run. */
  dpkgAudit = ''
  /** Guard commands (`unless`) that succeed. */
  satisfied = new Set<string>()
  /** What apt installs along with a package (its dependencies), and a package's source when not its own name. */
  apt = { depends: new Map<string, string[]>(), source: new Map<string, string>() }
  /** What the host facts command prints. */
  facts = 'kvm=yes\ncontainer=no\novs=kernel\n'
  /** Awaited before a command is answered: a test holds a command open with it. */
  onExec?: (command: string) => Promise<void>

  constructor(
    readonly host: string,
    readonly address = '10.0.0.1',
  ) {}

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command)
    await this.onExec?.(command)
    for (const [pattern, stderr] of this.failing) if (new RegExp(pattern).test(command)) return { code: 1, stdout: '', stderr }
    return this.copied(command, opts.stdin) ?? this.answer(command)
  }

  /** The commands of a copy between hosts (installer/tasks/copy.ts): read with its state, hash, write from stdin. */
  private copied(command: string, stdin: string | undefined): ExecResult | undefined {
    const unquote = (w: string) => w.replaceAll("'", '')
    const read = /^stat -c '%a %U %G' -- (\S+) && base64 -w0 -- \S+$/.exec(command)
    if (read) {
      const f = this.files.get(unquote(read[1]!))
      return f
        ? { code: 0, stdout: `${f.mode} ${f.owner} ${f.group}\n${Buffer.from(f.content).toString('base64')}`, stderr: '' }
        : { code: 1, stdout: '', stderr: 'stat: No such file or directory' }
    }
    const present = /^test -s (\S+)$/.exec(command)
    if (present) return { code: this.files.get(unquote(present[1]!))?.content ? 0 : 1, stdout: '', stderr: '' }
    const hash = /^sha256sum -- (\S+) 2>\/dev\/null \| cut -d' ' -f1$/.exec(command)
    if (hash) {
      const f = this.files.get(unquote(hash[1]!))
      return { code: 0, stdout: f ? `${createHash('sha256').update(f.content).digest('hex')}\n` : '', stderr: '' }
    }
    const target = /^mv -f -- "\$t" (\S+)$/m.exec(command)
    if (target && command.includes('base64 -d > "$t"')) {
      const [owner, group] = unquote(/^chown -- (\S+) "\$t"$/m.exec(command)![1]!).split(':')
      const mode = unquote(/^chmod -- (\S+) "\$t"$/m.exec(command)![1]!)
      this.files.set(unquote(target[1]!), { content: Buffer.from(stdin ?? '', 'base64').toString(), mode, owner: owner!, group: group! })
      return { code: 0, stdout: '', stderr: '' }
    }
    return undefined
  }

  private answer(command: string): ExecResult {
    const done = (stdout = '', code = 0): ExecResult => ({ code, stdout, stderr: '' })
    // The state of files and units (installer/tasks/file.ts and service.ts), for one or many.
    const listed = (re: RegExp) =>
      re
        .exec(command)?.[1]!
        .split(' ')
        .map((w) => w.replaceAll("'", ''))
    // The runner reads both in one command (installer/runner/_states.ts): files first, then units.
    const paths = listed(/^for p in (.*?); do if \[ -f/)
    const units = listed(/(?:^|; )for u in (.*?); do printf/)
    if (paths || units) {
      const fileLines = (paths ?? []).map((path) => {
        const f = this.files.get(path)
        return f ? `${f.mode} ${f.owner} ${f.group} ${createHash('sha256').update(f.content).digest('hex')}\n` : '-\n'
      })
      const unitLines = (units ?? []).map((name) => {
        const u = this.units.get(name)
        return u ? `${u.enabled ? 'enabled' : 'disabled'}|${u.active ? 'active' : u.failed ? 'failed' : 'inactive'}\n` : '|inactive\n'
      })
      return done([...fileLines, ...unitLines].join(''))
    }
    // Host facts (installer/facts.ts): a server with KVM and the openvswitch module.
    if (command === factsCommand) return done(this.facts)
    const cat = /^cat (\S+) 2>\/dev\/null \|\| true$/.exec(command)
    if (cat) return done(this.files.get(cat[1]!.replaceAll("'", ''))?.content ?? '')
    // The packages task's one look (installer/tasks/packages.ts): dpkg-query, a mark, dpkg --audit.
    if (command.includes('echo @dpkg-audit; dpkg --audit')) {
      const query = command.startsWith('dpkg-query') ? [...this.installed].map((p) => `${p} ii \n`).join('') : ''
      return done(`${query}@dpkg-audit\n${this.dpkgAudit}`)
    }
    // The libraries task's simulation (installer/tasks/libraries.ts): what apt would install, then sources.
    const simulated = /apt-get -s -q --no-install-recommends install (.*)\)/.exec(command)
    if (simulated) {
      const named = simulated[1]!.split(' ').map((p) => p.replaceAll("'", ''))
      const insts = [...new Set(named.flatMap((p) => [p, ...(this.apt.depends.get(p) ?? [])]))].filter((p) => !this.installed.has(p))
      const fields = [...named, ...insts.filter((p) => p.startsWith('python3-'))].flatMap((p) => [
        `Package: ${p}`,
        ...(this.apt.source.has(p) ? [`Source: ${this.apt.source.get(p)} (1.0-1)`] : []),
      ])
      return done([...insts.map((p) => `inst ${p}`), '@sources', ...fields, ''].join('\n'))
    }
    if (command.includes('apt-get') && command.includes(' install ')) {
      const line = command.split('\n').find((l) => l.includes(' install '))!
      for (const p of line.split(' install ')[1]!.split(' || ')[0]!.split(' ')) {
        for (const q of [p, ...(this.apt.depends.get(p) ?? [])]) this.installed.add(q.replaceAll("'", ''))
      }
      return done()
    }
    const unit = /^systemctl (enable|start|restart) (\S+)/.exec(command)
    if (unit) return this.systemctl(unit[1]!, unit[2]!)
    const off = /^systemctl disable --now (\S+)/.exec(command)
    if (off) {
      const u = this.units.get(off[1]!)
      if (u)
        Object.assign(u, { enabled: false, active: false, failed: u.failed && !command.includes(`&& systemctl reset-failed ${off[1]}`) })
      return done()
    }
    if ([...this.satisfied].some((s) => command.includes(s))) return done()
    return done('', command.startsWith('test ') ? 1 : 0)
  }

  private systemctl(verb: string, name: string): ExecResult {
    const u = this.units.get(name) ?? { enabled: false, active: false, restarts: 0 }
    this.units.set(name, u)
    if (verb === 'enable') u.enabled = true
    if (verb === 'start') u.active = true
    if (verb === 'restart') u.restarts++
    return { code: 0, stdout: '', stderr: '' }
  }

  async writeFile(path: string, content: string, opts: WriteOptions): Promise<void> {
    this.writes.push(path)
    this.files.set(path, { content, mode: opts.mode.toString(8), owner: opts.owner, group: opts.group })
  }

  /** The host's file (as writeFile or upload left it) to a file of this machine. */
  async download(remote: string, local: string): Promise<void> {
    this.commands.push(`download ${remote}`)
    const f = this.files.get(remote)
    if (!f) throw new Error(`${remote}: no such file on ${this.host}`)
    writeFileSync(local, Buffer.from(f.content, 'latin1'))
  }

  async upload(local: string, remote: string, opts: WriteOptions): Promise<void> {
    this.commands.push(`upload ${remote}`)
    this.writes.push(remote)
    const content = readFileSync(local).toString('latin1')
    this.files.set(remote, { content, mode: opts.mode.toString(8).padStart(4, '0'), owner: opts.owner, group: opts.group })
  }

  async close(): Promise<void> {}
}
