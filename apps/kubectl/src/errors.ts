/**
 * Errors worded as kubectl words them. Every failure ends up as one line on stderr and
 * exit code 1: `Error from server (NotFound): pods "x" not found` for the server's
 * Status, `error: ...` for everything the client decides itself.
 */
import type { Status } from '@skiff/api';
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

/**
 * What kubectl's checkErr prints for the error a command ends with: a 422 Invalid in its own
 * words (formatInvalid), anything else as formatError. Errors printed one per object while a
 * command goes on (get, delete, apply of several) keep formatError's `Error from server (Invalid)`,
 * as kubectl's aggregate of several errors does.
 */
export function formatFinalError(err: unknown): string {
  if (err instanceof ApiStatusError && err.reason === 'Invalid') return formatInvalid(err.status);
  return formatError(err);
}

/**
 * kubectl's words for a 422 Invalid: `The request is invalid: patch: testing value ... failed`,
 * `The Deployment "web" is invalid: spec.replicas: Invalid value: -1: ...`, one `* field: message`
 * line per distinct cause when there are several. No `error:` prefix. Without details the
 * server's message follows `The request is invalid`.
 */
export function formatInvalid(status: Status): string {
  const details = status.details;
  if (!details) return `The request is invalid${status.message ? `: ${status.message}` : ''}`;
  const head = details.kind || details.name ? `The ${details.kind ?? ''} "${details.name ?? ''}" is invalid` : 'The request is invalid';
  const causes = [...new Set((details.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message ?? ''}`))];
  if (causes.length === 0) return head;
  if (causes.length === 1) return `${head}: ${causes[0]}`;
  return `${head}: \n${causes.map((c) => `* ${c}`).join('\n')}`;
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
