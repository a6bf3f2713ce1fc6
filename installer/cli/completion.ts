// SPDX-License-Identifier: Apache-2.0
// `stackhouse completion bash|zsh`: a completion script made from the commands
// themselves, so it never lags behind them. zsh runs the bash one through bashcompinit.
import { Command, type Option } from 'commander'
import { roles } from '../../roles/index.ts'
import { UsageError } from '../errors.ts'
import { out } from './_style.ts'

/** Options whose value is a file or folder. */
const pathOptions = ['-i', '--inventory', '--secrets', '--overrides', '-o', '--out', '--cache']

/** The words to offer after `stackhouse <path>`: its subcommands and its options. */
function table(root: Command): Map<string, string[]> {
  const rows = new Map<string, string[]>()
  const walk = (cmd: Command, path: string) => {
    const options = cmd.options.flatMap((o: Option) => [o.short, o.long].filter((x): x is string => !!x))
    rows.set(path, [...cmd.commands.map((c) => c.name()), ...options, '--help'])
    for (const c of cmd.commands) walk(c, path ? `${path} ${c.name()}` : c.name())
  }
  walk(root, '')
  return rows
}

export function bashCompletion(root: Command): string {
  const cases = [...table(root)]
    .map(([path, words]) => `    ${JSON.stringify(path)}) words=${JSON.stringify(words.join(' '))} ;;`)
    .join('\n')
  const roleNames = ['prepare', ...roles.map((r) => r.name).filter((r) => r !== 'common'), 'post-deploy'].join(' ')
  return `# bash completion for stackhouse: . <(stackhouse completion bash)
_stackhouse() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} path="" w i
  case "$prev" in
    ${pathOptions.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --only) COMPREPLY=($(compgen -W ${JSON.stringify(roleNames)} -- "$cur")); return ;;
  esac
  # The command path typed so far: the words before the cursor that are not options or their values.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    [[ $w == -* ]] && break
    path=\${path:+$path }$w
  done
  local words=""
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _stackhouse stackhouse
`
}

export function completionCommand(root: () => Command): Command {
  return new Command('completion')
    .description('print a shell completion script: . <(stackhouse completion bash), or in zsh . <(stackhouse completion zsh)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`no completion for "${shell}"`, 'bash or zsh')
      const script = bashCompletion(root())
      out(
        shell === 'zsh' ? `# zsh: bash's completion through bashcompinit\nautoload -U +X bashcompinit && bashcompinit\n${script}` : script,
      )
    })
}
