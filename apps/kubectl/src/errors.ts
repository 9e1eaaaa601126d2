/**
 * Errors worded as kubectl words them. Every failure ends up as one line on stderr and
 * exit code 1: `Error from server (NotFound): pods "x" not found` for the server's
 * Status, `error: ...` for everything the client decides itself.
 */
import { ApiStatusError } from '@skiff/client';

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The line kubectl prints for `err` (without trailing newline). */
export function formatError(err: unknown): string {
  if (err instanceof ApiStatusError) return formatStatusError(err);
  if (err instanceof CliError) return err.message.startsWith('error: ') ? err.message : `error: ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

export function formatStatusError(err: ApiStatusError): string {
  const message = err.status.message ?? err.message;
  // kubectl shows "(reason)" only for reasons it knows; Unknown shows the message only.
  if (!err.reason || err.reason === 'Unknown') return `Error from server: ${message}`;
  return `Error from server (${err.reason}): ${message}`;
}

/**
 * A parent command (`rollout`, `set`, `top`) given a subcommand it lacks: kubectl's
 * RequireNoArguments names every argument left, `unknown command "bogus x"`.
 */
export function unknownSubcommandError(parent: string, args: string[]): CliError {
  return new CliError(`unknown command "${args.join(' ')}"\nSee 'kubectl ${parent} -h' for help and examples`);
}

export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1;
}
