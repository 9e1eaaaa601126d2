/**
 * The process entry every long-running component shares, alone or several in one process (a
 * role, as in k3s: `skiff server` runs the apiserver, controller-manager and scheduler): parse
 * every component's flags first (a usage error exits 2 with the message), give each its own pino
 * logger, turn SIGTERM/SIGINT into one abort signal, and exit with the code the components return.
 * Uncaught errors are logged, not swallowed and not fatal: one bad event must not take a process down.
 */
import { UsageError } from './flags.ts';
import { createLogger, type Logger } from './logger.ts';
import { markShuttingDown } from './metrics-server.ts';

export interface ComponentMain<C extends { logLevel?: string }> {
  component: string;
  /** Throws a UsageError (its message carries the usage text) on bad flags. */
  parseFlags(argv: string[]): C;
  /** Runs until `signal` aborts; resolves to the process exit code. */
  run(config: C, signal: AbortSignal, logger: Logger): Promise<number>;
}

/** One component of a process, with the flags it was given. */
export type ComponentPart = { main: ComponentMain<{ logLevel?: string }>; argv: string[] };

export type ProcessOptions = {
  /** The process's name in its own log lines (the role: server, agent). */
  name: string;
  /**
   * Called when a component stops on its own (returned or threw) while no signal asked it to:
   * the process stops the others and exits non-zero, so its supervisor restarts the whole role.
   * Runs after the others have stopped and before the exit.
   */
  onComponentExit?: (component: string, code: number) => Promise<void> | void;
  /** How long the others get to stop once one component has failed. */
  stopGraceMs?: number;
};

/** How the components of a process ended: `failed` names one that stopped on its own, with its code. */
export type ProcessOutcome = { code: number; failed?: { component: string; code: number } };

type ParsedPart = { main: ComponentMain<{ logLevel?: string }>; config: { logLevel?: string }; logger: Logger };

/**
 * Runs `parts` side by side until `signal` aborts or one of them ends by itself; then aborts the
 * rest and waits for them (after a failure, for at most `stopGraceMs`). Without a signal, a
 * component ending is a failure of the whole: the outcome names it and its code is non-zero.
 */
export async function runComponents(parts: ParsedPart[], signal: AbortSignal, opts: { processLogger: Logger; stopGraceMs?: number }): Promise<ProcessOutcome> {
  const inner = new AbortController();
  const forward = () => inner.abort();
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  let failed: ProcessOutcome['failed'];
  const all = Promise.all(
    parts.map(async ({ main, config, logger }) => {
      let code: number;
      try {
        code = await main.run(config, inner.signal, logger);
      } catch (err) {
        logger.fatal({ err }, `${main.component} failed`);
        code = 1;
      }
      if (!inner.signal.aborted) {
        failed = { component: main.component, code };
        if (parts.length > 1)
          opts.processLogger.error({ component: main.component, code }, `${main.component} stopped on its own; stopping the rest of this process`);
        inner.abort();
      }
      return code;
    }),
  );
  await new Promise<void>((resolve) => (inner.signal.aborted ? resolve() : inner.signal.addEventListener('abort', () => resolve(), { once: true })));
  signal.removeEventListener('abort', forward);
  if (!failed) return { code: Math.max(0, ...(await all)) };
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, opts.stopGraceMs ?? 15_000);
  });
  await Promise.race([all, grace]);
  clearTimeout(timer);
  return { code: failed.code === 0 ? 1 : failed.code, failed };
}

/** Parses every part's flags; a usage error of any part exits 2 before anything starts. */
function parseParts(parts: ComponentPart[]): ParsedPart[] {
  return parts.map(({ main, argv }) => {
    let config: { logLevel?: string };
    try {
      config = main.parseFlags(argv);
    } catch (err) {
      const prefix = parts.length > 1 ? `${main.component}: ` : '';
      process.stderr.write(`${prefix}${err instanceof UsageError ? err.message : String(err)}\n`);
      process.exit(2);
    }
    return { main, config, logger: createLogger(main.component, config.logLevel) };
  });
}

/** The process entry for one or more components: see the file comment. */
export async function runProcessMain(parts: ComponentPart[], opts: ProcessOptions): Promise<never> {
  const parsed = parseParts(parts);
  const processLogger = parsed.length === 1 ? parsed[0]!.logger : createLogger(opts.name);
  process.on('uncaughtException', (err) => processLogger.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (reason) => processLogger.error({ err: reason }, 'unhandled promise rejection'));

  const abort = new AbortController();
  const stop = (signal: string): void => {
    if (abort.signal.aborted) return;
    processLogger.info({ signal }, 'signal received');
    markShuttingDown();
    abort.abort();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  if (parsed.length > 1) processLogger.info({ components: parsed.map((p) => p.main.component), pid: process.pid }, `${opts.name} starting`);
  const outcome = await runComponents(parsed, abort.signal, { processLogger, stopGraceMs: opts.stopGraceMs });
  if (outcome.failed && opts.onComponentExit) {
    markShuttingDown();
    try {
      await opts.onComponentExit(outcome.failed.component, outcome.code);
    } catch (err) {
      processLogger.error({ err }, 'after a component stopped');
    }
  }
  // A lone component that returns by itself (a lost lease) exits with its own code, as it always has.
  process.exit(parsed.length === 1 && outcome.failed ? outcome.failed.code : outcome.code);
}

/** One component as its own process: `node apps/<component>/src/main.ts --flags`. */
export function runComponentMain<C extends { logLevel?: string }>(main: ComponentMain<C>, argv = process.argv.slice(2)): Promise<never> {
  return runProcessMain([{ main: main as unknown as ComponentMain<{ logLevel?: string }>, argv }], { name: main.component });
}
