/**
 * kubectl's help texts, laid out as kubectl (cobra with kubectl's templates) prints them:
 * a command's `--help`, the grouped overview of `kubectl help`, `kubectl options`, and
 * cobra's "Did you mean this?" for an unknown command. Pure functions over Command metadata,
 * so any command that fills summary/long/usage/examples/flags gets a kubectl-shaped help.
 */
import type { Command, Subcommand } from './command.ts';
import { globalFlags, type FlagSpec } from './cli.ts';

const OPTIONS_FOOTER = 'Use "kubectl options" for a list of global command-line options (applies to all commands).\n';

/** kubectl's overview groups, each in kubectl's own order; registered names elsewhere go under Other. */
const GROUPS: Array<[string, string[]]> = [
  ['Basic Commands (Beginner)', ['create', 'expose', 'run', 'set']],
  ['Basic Commands (Intermediate)', ['explain', 'get', 'edit', 'delete']],
  ['Deploy Commands', ['rollout', 'scale', 'autoscale']],
  ['Cluster Management Commands', ['certificate', 'cluster-info', 'top', 'cordon', 'uncordon', 'drain', 'taint']],
  ['Troubleshooting and Debugging Commands', ['describe', 'logs', 'attach', 'exec', 'port-forward', 'proxy', 'cp', 'auth', 'debug', 'events']],
  ['Advanced Commands', ['diff', 'apply', 'patch', 'replace', 'wait', 'kustomize']],
  ['Settings Commands', ['label', 'annotate', 'completion']],
];

/** Commands kubectl keeps out of the overview: they explain the others. */
const HIDDEN = new Set(['help', 'options']);

/**
 * Global flags kubectl declares per command (so they show in that command's Options, via
 * Command.sharedFlags); the rest are kubectl's true globals, listed by `kubectl options`.
 */
const PER_COMMAND = new Set(['all-namespaces', 'output', 'selector', 'field-selector', 'watch', 'filename', 'recursive', 'help']);

/** `--name=default` as kubectl shows it: strings quoted, arrays as [], ints and bools bare. */
function flagDefault(spec: FlagSpec): string {
  if (spec.type === 'bool') return String(spec.default === true);
  if (spec.type === 'array') return '[]';
  if (spec.type === 'int') return String(spec.default ?? 0);
  return `'${spec.default ?? ''}'`;
}

/** Usage for shared specs that live outside this file's reach (dry-run.ts, field-validation.ts). */
const KNOWN_USAGE: Record<string, string> = {
  'dry-run':
    'Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.',
  validate: `Must be one of: strict (or true), warn, ignore (or false). "true" or "strict" will use a schema to validate the input and fail the request if invalid. "warn" will warn about unknown or duplicate fields without blocking the request. "false" or "ignore" will not perform any schema validation.`,
};

/** pflag's usage block kubectl prints: `    -o, --output='':` then the usage on a tab-indented line. */
export function formatFlags(specs: FlagSpec[]): string {
  return [...specs]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => `    ${s.short ? `-${s.short}, ` : ''}--${s.name}=${flagDefault(s)}:\n\t${s.usage ?? KNOWN_USAGE[s.name] ?? ''}\n`)
    .join('\n');
}

/** A command's own flags plus the shared globals it lists; its own spec wins when both name a flag. */
function optionsOf(cmd: Subcommand): FlagSpec[] {
  const own = cmd.flags ?? [];
  const names = new Set(own.map((f) => f.name));
  const shared = (cmd.sharedFlags ?? [])
    .filter((n) => !names.has(n))
    .map((n) => globalFlags.find((g) => g.name === n))
    .filter((f): f is FlagSpec => f !== undefined);
  return [...own, ...shared];
}

/** Names padded as kubectl pads them: `rollout`'s short names to 14 columns, the overview's to 16. */
function commandList(cmds: Subcommand[], all: Subcommand[] = cmds): string {
  const width = Math.max(12, ...all.map((c) => c.name.length + 1)) + 2;
  return cmds.map((c) => `  ${c.name.padEnd(width)}${c.summary ?? ''}\n`).join('');
}

/** The subcommand named by the leading positionals (`rollout status`), and its path; the command itself when none. */
export function findHelpTarget(cmd: Command, args: string[]): { target: Subcommand; path: string[] } {
  let target: Subcommand = cmd;
  const path = [cmd.name];
  for (const arg of args) {
    const sub = target.subcommands?.find((s) => s.name === arg || s.aliases?.includes(arg));
    if (!sub) break;
    target = sub;
    path.push(sub.name);
  }
  return { target, path };
}

/**
 * `kubectl <path> --help`: Long, Aliases, Examples, Available Commands (a parent's), Options, Usage
 * and the footer, each block separated by a blank line as kubectl does.
 */
export function formatCommandHelp(cmd: Subcommand, path: string[] = [cmd.name]): string {
  const blocks: string[] = [];
  const long = (cmd.long ?? cmd.summary ?? '').trimEnd();
  if (long) blocks.push(`${long}\n`);
  if (cmd.aliases?.length) blocks.push(`Aliases:\n${[cmd.name, ...cmd.aliases].join(', ')}\n`);
  if (cmd.examples) blocks.push(`Examples:\n${cmd.examples.replace(/\n+$/, '')}\n`);
  const subs = (cmd.subcommands ?? []).slice().sort((a, b) => a.name.localeCompare(b.name));
  if (subs.length > 0) blocks.push(`Available Commands:\n${commandList(subs)}`);
  const options = optionsOf(cmd);
  if (options.length > 0) blocks.push(`Options:\n${formatFlags(options)}`);
  const usage = cmd.usage ?? `${path.join(' ')}${subs.length > 0 ? ' SUBCOMMAND' : ''} [flags] [options]`;
  blocks.push(`Usage:\n  kubectl ${usage}\n`);
  const more = subs.length > 0 ? `Use "kubectl ${path.join(' ')} <command> --help" for more information about a given command.\n` : '';
  blocks.push(more + OPTIONS_FOOTER);
  return blocks.join('\n');
}

/** `kubectl help`: kubectl's groups, each listing the registered commands it holds, in kubectl's order. */
export function formatOverview(cmds: Command[]): string {
  const visible = cmds.filter((c) => !HIDDEN.has(c.name));
  const byName = new Map(visible.map((c) => [c.name, c]));
  const grouped = new Set(GROUPS.flatMap(([, names]) => names));
  const blocks = ['kubectl controls the Skiff cluster manager.\n\n Find more information at: https://kubernetes.io/docs/reference/kubectl/\n'];
  const groups: Array<[string, Command[]]> = GROUPS.map(([title, names]) => [title, names.flatMap((n) => byName.get(n) ?? [])]);
  groups.push(['Other Commands', visible.filter((c) => !grouped.has(c.name)).sort((a, b) => a.name.localeCompare(b.name))]);
  for (const [title, members] of groups) {
    if (members.length > 0) blocks.push(`${title}:\n${commandList(members, visible)}`);
  }
  blocks.push('Usage:\n  kubectl [flags] [options]\n');
  blocks.push(`Use "kubectl <command> --help" for more information about a given command.\n${OPTIONS_FOOTER}`);
  return blocks.join('\n');
}

/** `kubectl options`: kubectl's true global flags. */
export function formatGlobalOptions(): string {
  return `The following options can be passed to any command:\n\n${formatFlags(globalFlags.filter((f) => !PER_COMMAND.has(f.name)))}`;
}

/** Levenshtein distance, case-insensitive as cobra computes it for suggestions. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[t.length];
}

/** cobra's SuggestionsMinimumDistance. */
const SUGGESTION_DISTANCE = 2;

/**
 * Cobra's suggestions for a mistyped command: names within edit distance 2, or that start
 * with what was typed, in the overview's order (`ge` → set, get, cp).
 */
export function suggestCommands(typed: string, cmds: Command[]): string[] {
  const order = GROUPS.flatMap(([, names]) => names);
  const rank = (name: string): number => (order.includes(name) ? order.indexOf(name) : order.length);
  return cmds
    .filter((c) => !HIDDEN.has(c.name))
    .filter((c) => editDistance(typed, c.name) <= SUGGESTION_DISTANCE || c.name.toLowerCase().startsWith(typed.toLowerCase()))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name))
    .map((c) => c.name);
}

/** What cobra prints to stderr for an unknown command. */
export function formatUnknownCommand(typed: string, cmds: Command[]): string {
  const suggestions = suggestCommands(typed, cmds);
  const hint = suggestions.length > 0 ? `\nDid you mean this?\n${suggestions.map((s) => `\t${s}\n`).join('')}\n` : '';
  return `Error: unknown command "${typed}" for "kubectl"\n${hint}`;
}
