/**
 * The `--name=value` flags every component takes, parsed the same way everywhere. Each
 * component keeps its own error class (its usage text goes in the message, and its main
 * recognizes it to exit 2); these helpers take a factory for it.
 */

export type FlagErrorFactory = (message: string) => Error;

/** `--name=value` / `--name` (value '') pairs, in order; anything else is an error. */
export function splitFlags(argv: readonly string[], fail: FlagErrorFactory): Array<[flag: string, value: string]> {
  return argv.map((arg) => {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw fail(`unexpected argument "${arg}"`);
    return [m[1]!, m[2] ?? ''];
  });
}

/** A whole number in [min, max] (no upper bound when max is omitted). */
export function parseIntegerFlag(flag: string, value: string, fail: FlagErrorFactory, min: number, max?: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || (max !== undefined && n > max)) {
    throw fail(max === undefined
      ? `--${flag}: want an integer ≥ ${min}, got "${value}"`
      : `--${flag}: want an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** `true`, `false`, or a bare flag (true). */
export function parseBooleanFlag(flag: string, value: string, fail: FlagErrorFactory): boolean {
  if (value === 'true' || value === '') return true;
  if (value === 'false') return false;
  throw fail(`--${flag}: want true or false, got "${value}"`);
}
