/**
 * Runs one kubectl invocation: parse the line, find the command, build its context
 * (kubeconfig, client, REST mapper) and turn thrown errors into kubectl's stderr lines.
 * main.ts wires it to the process; tests call it with their own streams.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { RestClient } from '@skiff/client';
import { findCommand, listCommands, type CommandContext } from './command.ts';
import { findCommandName, parseArgs } from './cli.ts';
import { CliError, exitCodeOf, formatError } from './errors.ts';
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
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts')).sort();
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

function printHelp(out: Writable): void {
  out.write('kubectl controls the Skiff cluster manager.\n\nCommands:\n');
  for (const cmd of listCommands()) out.write(`  ${cmd.name.padEnd(16)}${cmd.summary ?? ''}\n`);
  out.write('\nUsage:\n  kubectl [flags] [options]\n');
}

export async function runCli(argv: string[], opts: RunOptions = {}): Promise<number> {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  let client: RestClient | undefined;
  try {
    await loadCommands();
    const name = findCommandName(argv);
    if (!name) {
      printHelp(out);
      return 0;
    }
    const command = findCommand(name);
    if (!command) throw new CliError(`unknown command "${name}" for "kubectl"`);
    const parsed = parseArgs(argv, command.flags);
    const flags = parsed.flags;
    let config: ReturnType<typeof loadMergedKubeconfig> | undefined;
    const configOf = (): ReturnType<typeof loadMergedKubeconfig> => {
      config ??= loadMergedKubeconfig({
        kubeconfig: flags.string('kubeconfig'),
        context: flags.string('context'),
        namespace: flags.string('namespace'),
        env: opts.env,
      });
      return config;
    };
    const clientOf = (): RestClient => {
      client ??= new RestClient(configOf(), { userAgent: 'skiff-kubectl' });
      return client;
    };
    let mapper: RestMapper | undefined;
    const mapperOf = (): RestMapper => (mapper ??= new RestMapper(clientOf()));
    const ctx: CommandContext = {
      get client() { return clientOf(); },
      get namespace() { return flags.string('namespace') || (configOf().namespace ?? 'default'); },
      namespaceExplicit: flags.has('namespace'),
      out,
      err,
      get stdin() { return opts.stdin ?? process.stdin; },
      flags,
      resolve: (arg) => mapperOf().resolve(arg),
      resolveKind: (apiVersion, kind) => mapperOf().resolveKind(apiVersion, kind),
      get mapper() { return mapperOf(); },
      now: opts.now ?? Date.now,
    };
    return await command.run(ctx, parsed.args);
  } catch (e) {
    err.write(`${formatError(e)}\n`);
    return exitCodeOf(e);
  } finally {
    client?.close();
  }
}
