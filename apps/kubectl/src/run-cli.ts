/**
 * Runs one kubectl invocation: parse the line, find the command, build its context
 * (kubeconfig, client, REST mapper) and turn thrown errors into kubectl's stderr lines.
 * main.ts wires it to the process; tests call it with their own streams.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { RestClient, type Impersonation } from '@skiff/client';
import { findCommand, listCommands, type CommandContext } from './command.ts';
import { findCommandName, parseArgs, type Flags } from './cli.ts';
import { CliError, exitCodeOf, formatFinalError } from './errors.ts';
import { findHelpTarget, formatCommandHelp, formatOverview, formatUnknownCommand } from './help.ts';
import { loadMergedKubeconfig } from './kubeconfig.ts';
import { RestMapper } from './rest-mapper.ts';

export interface RunOptions {
  out?: Writable;
  err?: Writable;
  stdin?: Readable;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

let loaded: Promise<void> | undefined;

/** Imports every command file under commands/, so new commands only need to exist. */
export function loadCommands(): Promise<void> {
  loaded ??= (async () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
      .sort();
    for (const file of files) {
      try {
        await import(join(dir, file));
      } catch (cause) {
        throw new Error(`loading command file commands/${file}: ${(cause as Error).message}`, { cause });
      }
    }
  })();
  return loaded;
}

/** --as / --as-group: whom every request acts as; groups alone are refused, as client-go refuses them. */
export function impersonationOf(flags: Flags): Impersonation | undefined {
  const user = flags.string('as') ?? '';
  const groups = flags.list('as-group');
  if (!user && groups.length === 0) return undefined;
  if (!user) throw new CliError('requesting uid, groups or user-extra for  without impersonating a user');
  return groups.length ? { user, groups } : { user };
}

export async function runCli(argv: string[], opts: RunOptions = {}): Promise<number> {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  const env = opts.env ?? process.env;
  let client: RestClient | undefined;
  try {
    await loadCommands();
    const name = findCommandName(argv);
    if (!name) {
      // `kubectl`, `kubectl --help`: the overview, as `kubectl help` prints it.
      out.write(formatOverview(listCommands()));
      return 0;
    }
    const command = findCommand(name);
    if (!command) {
      err.write(formatUnknownCommand(name, listCommands()));
      return 1;
    }
    const parsed = parseArgs(argv, command.flags);
    const flags = parsed.flags;
    // Help is asked: describe the command (or the subcommand named) and never run it.
    if (flags.bool('help')) {
      const { target, path } = findHelpTarget(command, parsed.args);
      out.write(formatCommandHelp(target, path));
      return 0;
    }
    let config: ReturnType<typeof loadMergedKubeconfig> | undefined;
    const configOf = (): ReturnType<typeof loadMergedKubeconfig> => {
      config ??= loadMergedKubeconfig({
        kubeconfig: flags.string('kubeconfig'),
        context: flags.string('context'),
        namespace: flags.string('namespace'),
        env,
      });
      return config;
    };
    const clientOf = (): RestClient => {
      if (client) return client;
      // As kubectl: groups without a user are refused before the kubeconfig is read.
      const impersonate = impersonationOf(flags);
      client = new RestClient(configOf(), { userAgent: 'skiff-kubectl', impersonate });
      return client;
    };
    let mapper: RestMapper | undefined;
    const mapperOf = (): RestMapper => (mapper ??= new RestMapper(clientOf()));
    const ctx: CommandContext = {
      get client() {
        return clientOf();
      },
      get namespace() {
        return flags.string('namespace') || (configOf().namespace ?? 'default');
      },
      namespaceExplicit: flags.has('namespace'),
      out,
      err,
      get stdin() {
        return opts.stdin ?? process.stdin;
      },
      env,
      flags,
      resolve: (arg) => mapperOf().resolve(arg),
      resolveKind: (apiVersion, kind) => mapperOf().resolveKind(apiVersion, kind),
      get mapper() {
        return mapperOf();
      },
      now: opts.now ?? Date.now,
    };
    return await command.run(ctx, parsed.args);
  } catch (e) {
    err.write(`${formatFinalError(e)}\n`);
    return exitCodeOf(e);
  } finally {
    client?.close();
  }
}
