/**
 * The command registry: each file under commands/ calls registerCommand() at import time,
 * and main.ts dispatches `kubectl <name> ...` to the matching entry.
 */
import type { Readable, Writable } from 'node:stream';
import type { RestClient } from '@skiff/client';
import type { FlagSpec, Flags } from './cli.ts';
import type { ResourceMapping, RestMapper } from './rest-mapper.ts';

export interface CommandContext {
  /** Built lazily from the kubeconfig: commands that never call the server work without one. */
  readonly client: RestClient;
  /** -n, else the context's namespace, else 'default'. */
  namespace: string;
  /** True when -n/--namespace was given explicitly. */
  namespaceExplicit: boolean;
  out: Writable;
  err: Writable;
  stdin: Readable;
  /** The environment the invocation sees (runCli's opts.env, else process.env): KUBECONFIG, KUBE_EDITOR, ... */
  env: NodeJS.ProcessEnv;
  flags: Flags;
  /** Maps 'po', 'pods', 'Deployment', 'deploy.apps', ... to a served resource, by discovery. */
  resolve(kindOrResource: string): Promise<ResourceMapping>;
  /** Maps a manifest's apiVersion + kind to its resource. */
  resolveKind(apiVersion: string, kind: string): Promise<ResourceMapping>;
  readonly mapper: RestMapper;
  /** Milliseconds since the epoch; tests pin it. */
  now(): number;
}

export interface Command {
  name: string;
  aliases?: string[];
  /** One-line summary for `kubectl help`. */
  summary?: string;
  /** `--help`'s longer description (kubectl's Long); the summary when absent. */
  long?: string;
  /** `--help`'s usage line without the leading `kubectl `, e.g. `label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... [options]`. */
  usage?: string;
  /** `--help`'s examples, kubectl-style: `  # comment\n  kubectl ...` lines. */
  examples?: string;
  /** Subcommands (`config view`, `auth can-i`) so `--help` describes the one named; the parent's run dispatches, so theirs may be absent. */
  subcommands?: Subcommand[];
  /** Flags this command accepts beyond the global ones. */
  flags?: FlagSpec[];
  /**
   * Global flags (cli.ts globalFlags) that kubectl declares on this command and so lists among
   * its Options, e.g. ['output', 'selector']: Skiff parses them on every command line.
   */
  sharedFlags?: string[];
  /** Answers the process exit code; throws CliError / ApiStatusError for kubectl-style errors. */
  run(ctx: CommandContext, args: string[]): Promise<number>;
}

/** A subcommand as `--help` describes it: its parent's run usually does the work. */
export type Subcommand = Omit<Command, 'run'> & { run?: Command['run'] };

const commands = new Map<string, Command>();

export function registerCommand(cmd: Command): void {
  for (const name of [cmd.name, ...(cmd.aliases ?? [])]) {
    if (commands.has(name)) throw new Error(`kubectl: command ${name} registered twice`);
    commands.set(name, cmd);
  }
}

export function findCommand(name: string): Command | undefined {
  return commands.get(name);
}

/** Each command once, sorted by name. */
export function listCommands(): Command[] {
  return [...new Set(commands.values())].sort((a, b) => a.name.localeCompare(b.name));
}
