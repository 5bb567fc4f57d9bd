/**
 * `steward completion bash|zsh`: a completion script generated from the command tree itself, so it never lags a
 * new command or option. zsh loads the bash script through bashcompinit, as the openstack client's does.
 */
import { Argument, type Command } from 'commander';

interface Node {
  path: string;
  words: string[];
}

/** Every command path ("", "audit", "audit list") with the words that may follow it: subcommands or options. */
function nodesOf(command: Command, path: string, inherited: readonly string[]): Node[] {
  const flags = command.options
    .flatMap((option) => [option.short, option.long])
    .filter((f) => f !== undefined);
  const own = [...inherited, ...flags, '--help'];
  const subcommands = command.commands.map((sub) => sub.name());
  const here = { path, words: [...subcommands, ...own] };
  return [
    here,
    ...command.commands.flatMap((sub) =>
      nodesOf(sub, path === '' ? sub.name() : `${path} ${sub.name()}`, inherited),
    ),
  ];
}

export function bashCompletion(program: Command): string {
  const globals = program.options
    .filter((option) => option.long !== '--version')
    .flatMap((option) => [option.short, option.long])
    .filter((f) => f !== undefined);
  const nodes = nodesOf(program, '', []).map((node) =>
    node.path === '' ? node : { ...node, words: [...node.words, ...globals] },
  );
  const cases = nodes
    .map((node) => `    "${node.path}") words="${[...new Set(node.words)].join(' ')}" ;;`)
    .join('\n');
  return `# steward completion for bash; in ~/.bashrc: source <(steward completion bash)
_steward() {
  local current="\${COMP_WORDS[COMP_CWORD]}" path="" word words
  # The command path is the words typed so far that name commands (options and their values are skipped).
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in -*) continue ;; esac
    case " $(_steward_words "$path") " in *" $word "*) path="\${path:+$path }$word" ;; esac
  done
  words="$(_steward_words "$path")"
  COMPREPLY=($(compgen -W "$words" -- "$current"))
}
_steward_words() {
  local words=""
  case "$1" in
${cases}
  esac
  printf '%s' "$words"
}
complete -F _steward steward
`;
}

export function zshCompletion(program: Command): string {
  return `# steward completion for zsh; in ~/.zshrc: source <(steward completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program).replace(/^# .*\n/, '')}`;
}

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script: source <(steward completion bash)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      process.stdout.write(shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
    });
}
