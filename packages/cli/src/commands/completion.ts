/**
 * `wif completion bash|zsh|fish|pwsh`: a completion script generated from the command table (so it
 * cannot drift from what the parser accepts): commands, migrate's actions, each command's options
 * and the global ones, values of -o and --fail-on, and spec files (*.yaml, *.yml, *.json) after
 * --config / -c / --state / --journal.
 */
import { COMMAND_NAMES, COMMANDS, type CommandName, type CommandSpec, GLOBAL_OPTIONS, type Invocation, OUTPUT_FORMATS } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import type { Runtime } from '../runtime';

type Inv = Extract<Invocation, { options: unknown }>;

const FILE_OPTIONS = ['config', 'state', 'journal'];

interface Table {
  readonly commands: readonly CommandName[];
  readonly actions: Readonly<Partial<Record<CommandName, readonly string[]>>>;
  readonly options: Readonly<Record<CommandName, readonly string[]>>;
  readonly global: readonly string[];
  readonly values: Readonly<Record<string, readonly string[]>>;
}

function table(): Table {
  const flags = (o: CommandSpec['options']): string[] =>
    Object.entries(o).flatMap(([n, s]) => [
      `--${n}`,
      ...(s.short ? [`-${s.short}`] : []),
      ...(s.type === 'boolean' && n === 'seed' ? ['--no-seed'] : []),
    ]);
  const options = Object.fromEntries(COMMAND_NAMES.map((c) => [c, flags(COMMANDS[c].options)])) as Record<CommandName, string[]>;
  const actions: Partial<Record<CommandName, readonly string[]>> = {};
  for (const c of COMMAND_NAMES) {
    const p: CommandSpec['positionals'] = COMMANDS[c].positionals;
    if (typeof p === 'object') actions[c] = p.actions;
  }
  return {
    commands: COMMAND_NAMES,
    actions,
    options,
    global: [...flags(GLOBAL_OPTIONS), '--no-color', '--version'],
    values: {
      output: OUTPUT_FORMATS,
      'fail-on': ['info', 'low', 'medium', 'high', 'critical'],
      'devops-auth': ['auto', 'entra', 'pat'],
    },
  };
}

const words = (list: readonly string[]): string => list.join(' ');

export function bashScript(t: Table = table()): string {
  const cases = t.commands.map((c) => `    ${c}) opts="${words([...(t.actions[c] ?? []), ...t.options[c]])}" ;;`).join('\n');
  return `# wif completion for bash: source <(wif completion bash)
_wif() {
  local cur prev cmd i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    --config|-c|--journal|--state)
      local f
      COMPREPLY=()
      while IFS= read -r f; do
        case "$f" in *.yaml|*.yml|*.json) COMPREPLY+=("$f") ;; esac
      done < <(compgen -f -- "$cur")
      while IFS= read -r f; do COMPREPLY+=("$f/"); done < <(compgen -d -- "$cur")
      return ;;
    --output|-o) COMPREPLY=($(compgen -W "${words(t.values['output'] ?? [])}" -- "$cur")); return ;;
    --fail-on) COMPREPLY=($(compgen -W "${words(t.values['fail-on'] ?? [])}" -- "$cur")); return ;;
    --devops-auth) COMPREPLY=($(compgen -W "${words(t.values['devops-auth'] ?? [])}" -- "$cur")); return ;;
  esac
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  local opts="${words(t.commands)} help"
  case "$cmd" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$opts ${words(t.global)}" -- "$cur"))
}
complete -o filenames -F _wif wif
`;
}

export function zshScript(t: Table = table()): string {
  const cases = t.commands.map((c) => `    ${c}) opts=(${words([...(t.actions[c] ?? []), ...t.options[c]])}) ;;`).join('\n');
  return `#compdef wif
# wif completion for zsh: wif completion zsh > "\${fpath[1]}/_wif"
_wif() {
  local -a opts
  local prev="\${words[CURRENT-1]}" cmd=""
  case "$prev" in
    --config|-c|--journal|--state) _files -g '*.(yaml|yml|json)'; return ;;
    --output|-o) compadd -- ${words(t.values['output'] ?? [])}; return ;;
    --fail-on) compadd -- ${words(t.values['fail-on'] ?? [])}; return ;;
    --devops-auth) compadd -- ${words(t.values['devops-auth'] ?? [])}; return ;;
  esac
  local w
  for w in "\${words[@]:1:CURRENT-2}"; do
    [[ "$w" != -* ]] && { cmd="$w"; break; }
  done
  opts=(${words(t.commands)} help)
  case "$cmd" in
${cases}
  esac
  compadd -- "\${opts[@]}" ${words(t.global)}
}
compdef _wif wif
`;
}

export function fishScript(t: Table = table()): string {
  const lines = [
    '# wif completion for fish: wif completion fish > ~/.config/fish/completions/wif.fish',
    'complete -c wif -f',
    `complete -c wif -n '__fish_use_subcommand' -a '${words(t.commands)}'`,
    ...Object.entries(GLOBAL_OPTIONS).map(
      ([n, s]) => `complete -c wif -l ${n}${s.short ? ` -s ${s.short}` : ''}${s.type === 'string' ? ' -r' : ''}`,
    ),
    `complete -c wif -l output -s o -x -a '${words(t.values['output'] ?? [])}'`,
  ];
  for (const c of t.commands) {
    const actions = t.actions[c];
    if (actions) lines.push(`complete -c wif -n '__fish_seen_subcommand_from ${c}' -a '${words(actions)}'`);
    const options: CommandSpec['options'] = COMMANDS[c].options;
    for (const [n, s] of Object.entries(options)) {
      const file = FILE_OPTIONS.includes(n) ? ` -r -F -a '(__fish_complete_suffix .yaml .yml .json)'` : s.type === 'string' ? ' -r' : '';
      const values = t.values[n] ? ` -x -a '${words(t.values[n])}'` : '';
      lines.push(`complete -c wif -n '__fish_seen_subcommand_from ${c}' -l ${n}${s.short ? ` -s ${s.short}` : ''}${values || file}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function pwshScript(t: Table = table()): string {
  const map = t.commands
    .map((c) => `    '${c}' = @(${[...(t.actions[c] ?? []), ...t.options[c]].map((w) => `'${w}'`).join(', ')})`)
    .join('\n');
  return `# wif completion for PowerShell: wif completion pwsh | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName wif -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $commands = @{
${map}
  }
  $global = @(${t.global.map((w) => `'${w}'`).join(', ')})
  $words = @($commandAst.CommandElements | ForEach-Object { $_.ToString() })
  $prev = if ($wordToComplete) { $words[-2] } else { $words[-1] }
  if ($prev -in @('--config', '-c', '--journal', '--state')) {
    Get-ChildItem -Path "$wordToComplete*" -Include *.yaml, *.yml, *.json -File -ErrorAction SilentlyContinue |
      ForEach-Object { [System.Management.Automation.CompletionResult]::new($_.Name, $_.Name, 'ParameterValue', $_.Name) }
    return
  }
  if ($prev -in @('--output', '-o')) { $candidates = @(${(t.values['output'] ?? []).map((w) => `'${w}'`).join(', ')}) }
  else {
    $cmd = $words | Select-Object -Skip 1 | Where-Object { $_ -notlike '-*' } | Select-Object -First 1
    $candidates = if ($cmd -and $commands.ContainsKey($cmd)) { $commands[$cmd] + $global } else { @($commands.Keys) + $global }
  }
  $candidates | Where-Object { $_ -like "$wordToComplete*" } |
    ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
}
`;
}

export function run(rt: Runtime, inv: Inv): Promise<ExitCode> {
  const shell = inv.action;
  const script = shell === 'bash' ? bashScript() : shell === 'zsh' ? zshScript() : shell === 'fish' ? fishScript() : pwshScript();
  // Written as is (not through the printer: it is code for a shell, and it holds no secret).
  rt.io.stdout.write(script);
  return Promise.resolve(EXIT.ok);
}
