/** kubectl's --dry-run=none|client|server, checked once for every command that takes it. */
import type { FlagSpec } from './cli.ts';
import { CliError } from './errors.ts';

export type DryRun = 'none' | 'client' | 'server';

export const DRY_RUN_FLAG: FlagSpec = { name: 'dry-run', type: 'string' };

export function dryRunOf(value: string | undefined): DryRun {
  const v = value ?? 'none';
  if (v === 'none' || v === 'client' || v === 'server') return v;
  throw new CliError(`Invalid dry-run value (${v}). Must be "none", "server", or "client".`);
}
