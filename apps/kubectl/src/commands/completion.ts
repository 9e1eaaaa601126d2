/**
 * `kubectl completion bash|zsh`: a shell script that completes command names, subcommands
 * and flags (written into the script from the command registry when it is generated), and
 * asks the cluster for what only it knows: resource types (`kubectl api-resources -o name`),
 * object names (`kubectl get TYPE -o name`), namespaces and contexts. The script calls the
 * kubectl being completed (the line's first word), passing on the line's --kubeconfig,
 * --context and --namespace. zsh loads the bash script through bashcompinit.
 */
import { globalFlags, type FlagSpec } from '../cli.ts';
import { listCommands, registerCommand, type Command } from '../command.ts';
import { CliError } from '../errors.ts';

/** Commands whose first positional argument (after the subcommand, for rollout) is a resource type. */
const typeCommands = ['annotate', 'autoscale', 'delete', 'describe', 'edit', 'explain', 'expose', 'get', 'label', 'patch', 'scale', 'wait'];
const podCommands = ['attach', 'exec', 'logs', 'port-forward'];

function flagWords(flags: FlagSpec[]): string {
  return [...new Set(flags.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]))].sort().join(' ');
}

/** Shell-safe name for a variable suffix: `port-forward` → `port_forward`. */
function varName(name: string): string {
  return name.replace(/[^a-zA-Z0-9]/g, '_');
}

export function bashCompletion(commands: Command[] = listCommands()): string {
  const names = commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]).sort();
  const valueFlags = [...globalFlags, ...commands.flatMap((c) => [...(c.flags ?? []), ...(c.subcommands ?? []).flatMap((s) => s.flags ?? [])])].filter(
    (f) => f.type !== 'bool',
  );
  const valuePatterns = [...new Set(valueFlags.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]))].sort().join('|');
  const perCommand = commands.flatMap((c) => {
    const key = varName(c.name);
    const subs = (c.subcommands ?? []).flatMap((s) => [s.name, ...(s.aliases ?? [])]);
    const flags = [...globalFlags, ...(c.flags ?? []), ...(c.subcommands ?? []).flatMap((s) => s.flags ?? [])];
    return [`__skiff_kubectl_flags_${key}='${flagWords(flags)}'`, ...(subs.length > 0 ? [`__skiff_kubectl_subcommands_${key}='${subs.join(' ')}'`] : [])];
  });
  return `# bash completion for Skiff's kubectl. Load it with: source <(kubectl completion bash)
__skiff_kubectl_commands='${names.join(' ')}'
__skiff_kubectl_global_flags='${flagWords(globalFlags)}'
${perCommand.join('\n')}

# Runs the kubectl being completed with the line's connection flags; errors are dropped.
__skiff_kubectl_call() {
    "\${__skiff_kubectl_bin}" "\${__skiff_kubectl_conn[@]}" "$@" 2>/dev/null
}

# Object names of TYPE, without the "kind/" prefix kubectl -o name puts on them.
__skiff_kubectl_names() {
    __skiff_kubectl_call get "$1" -o name | sed 's|^[^/]*/||'
}

__skiff_kubectl() {
    local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
    local cmd="" w i
    local -a positionals=()
    __skiff_kubectl_bin="\${COMP_WORDS[0]}"
    __skiff_kubectl_conn=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="\${COMP_WORDS[i]}"
        case "$w" in
            --kubeconfig|--context|--namespace|-n)
                __skiff_kubectl_conn+=("$w" "\${COMP_WORDS[i+1]}"); i=$((i + 1)) ;;
            --kubeconfig=*|--context=*|--namespace=*) __skiff_kubectl_conn+=("$w") ;;
            ${valuePatterns}) i=$((i + 1)) ;;
            -*) ;;
            *) if [[ -z "$cmd" ]]; then cmd="$w"; else positionals+=("$w"); fi ;;
        esac
    done
    COMPREPLY=()
    case "$prev" in
        -n|--namespace)
            COMPREPLY=($(compgen -W "$(__skiff_kubectl_names namespaces)" -- "$cur")); return ;;
        --context)
            COMPREPLY=($(compgen -W "$(__skiff_kubectl_call config get-contexts -o name)" -- "$cur")); return ;;
        -o|--output)
            COMPREPLY=($(compgen -W "json yaml name wide jsonpath= custom-columns= go-template=" -- "$cur")); return ;;
    esac
    local key="\${cmd//[^a-zA-Z0-9]/_}"
    if [[ "$cur" == -* ]]; then
        local flags_var="__skiff_kubectl_flags_\${key}"
        COMPREPLY=($(compgen -W "\${!flags_var:-$__skiff_kubectl_global_flags}" -- "$cur")); return
    fi
    if [[ -z "$cmd" ]]; then
        COMPREPLY=($(compgen -W "$__skiff_kubectl_commands" -- "$cur")); return
    fi
    local subs_var="__skiff_kubectl_subcommands_\${key}" skip=0
    if [[ -n "\${!subs_var}" ]]; then
        if [[ \${#positionals[@]} -eq 0 ]]; then
            COMPREPLY=($(compgen -W "\${!subs_var}" -- "$cur")); return
        fi
        skip=1
    fi
    case "$cmd" in
        ${typeCommands.join('|')}|rollout)
            if [[ "$cmd" == rollout && \${#positionals[@]} -lt 1 ]]; then return; fi
            if [[ "$cur" == */* ]]; then
                local type="\${cur%%/*}"
                COMPREPLY=($(compgen -P "\${type}/" -W "$(__skiff_kubectl_names "$type")" -- "\${cur#*/}"))
            elif [[ \${#positionals[@]} -eq $skip ]]; then
                COMPREPLY=($(compgen -W "$(__skiff_kubectl_call api-resources -o name)" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$(__skiff_kubectl_names "\${positionals[$skip]}")" -- "$cur"))
            fi ;;
        ${podCommands.join('|')})
            if [[ \${#positionals[@]} -eq 0 ]]; then COMPREPLY=($(compgen -W "$(__skiff_kubectl_names pods)" -- "$cur")); fi ;;
        cordon|uncordon|drain|taint|top)
            COMPREPLY=($(compgen -W "$(__skiff_kubectl_names nodes)" -- "$cur")) ;;
        config)
            case "\${positionals[0]}" in
                use-context|use|delete-context|rename-context|get-contexts|set-context)
                    COMPREPLY=($(compgen -W "$(__skiff_kubectl_call config get-contexts -o name)" -- "$cur")) ;;
            esac ;;
        certificate)
            COMPREPLY=($(compgen -W "$(__skiff_kubectl_names certificatesigningrequests.certificates.k8s.io)" -- "$cur")) ;;
    esac
}

complete -o default -F __skiff_kubectl kubectl
`;
}

export function zshCompletion(commands?: Command[]): string {
  return `#compdef kubectl
# zsh completion for Skiff's kubectl (the bash script, through bashcompinit). Load it with: source <(kubectl completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(commands)}`;
}

registerCommand({
  name: 'completion',
  summary: 'Output shell completion code for the specified shell (bash or zsh)',
  long: 'Output shell completion code for the specified shell (bash or zsh). The shell code must be evaluated to provide interactive completion of kubectl commands.  This can be done by sourcing it from the .bash_profile.\n\n Completion asks the cluster for resource types and object names, so it needs a reachable cluster for those; command names, subcommands and flags complete without one.',
  usage: 'completion SHELL',
  examples: [
    '  # Load the kubectl completion code for bash into the current shell',
    '  source <(kubectl completion bash)',
    '',
    '  # Write bash completion code to a file and source it from .bash_profile',
    '  kubectl completion bash > ~/.kube/completion.bash.inc',
    `  printf "\\n# kubectl shell completion\\nsource '$HOME/.kube/completion.bash.inc'\\n" >> $HOME/.bash_profile`,
    '',
    '  # Load the kubectl completion code for zsh into the current shell',
    '  source <(kubectl completion zsh)',
  ].join('\n'),
  async run(ctx, args) {
    if (args.length === 0) throw new CliError("Shell not specified.\nSee 'kubectl completion -h' for help and examples");
    if (args.length > 1) throw new CliError("Too many arguments. Expected only the shell type.\nSee 'kubectl completion -h' for help and examples");
    if (args[0] === 'bash') ctx.out.write(bashCompletion());
    else if (args[0] === 'zsh') ctx.out.write(zshCompletion());
    else throw new CliError(`Unsupported shell type "${args[0]}".\nSee 'kubectl completion -h' for help and examples`);
    return 0;
  },
});
