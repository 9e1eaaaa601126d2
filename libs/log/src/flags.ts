/**
 * The one flag reader every component shares. A component declares its flags as data
 * (`FlagSpec`: name, type, default, required, help) and `readFlags` turns argv into its
 * config object; `formatUsage` writes the usage text from the same list, so the two cannot
 * drift. Flags are spelled as pflag (kube's flag library) spells them: `--name=value` or
 * `--name value`, and a bare boolean `--name` means true.
 *
 * Each component keeps its own error class (its usage text goes in the message, and its
 * main recognizes it to exit 2); the reader takes a factory for it.
 */

export type FlagErrorFactory = (message: string) => Error;
export type Env = Readonly<Record<string, string | undefined>>;

/** What a value must look like: `parse` returns undefined for a bad one, `want` says what was wanted. */
export interface ValueFormat<V> {
  want: string;
  /** The placeholder in the usage text (`N`). */
  meta?: string;
  parse(value: string): V | undefined;
}

/** The keys of C whose values are V (so a flag's key and its type agree). */
type KeysOf<C, V> = { [K in keyof C]-?: NonNullable<C[K]> extends V ? K : never }[keyof C];

interface CommonSpec<C> {
  /** Without the dashes: `log-level`. */
  name: string;
  help: string;
  /** A required flag missing, empty or an empty list is an error; a function decides from the rest of the config. */
  required?: boolean | ((config: Partial<C>) => boolean);
  /** An environment variable that, when set, replaces the default (the flag still wins). */
  env?: string;
  /** The placeholder in the usage text: `--kubeconfig=PATH`. */
  meta?: string;
}

export type FlagSpec<C> = CommonSpec<C> &
  /** An empty value (`--name=`) leaves a flag whose default is none or '' at that default, unchecked. */
  (
    | { type: 'string'; key: KeysOf<C, string>; default?: string; format?: ValueFormat<string> }
    | { type: 'int'; key: KeysOf<C, number>; default?: number; min: number; max?: number }
    | { type: 'bool'; key: KeysOf<C, boolean>; default?: boolean }
    /** `40`, `40s`, `1m30s`, `1500ms`, `1h`, read in `unit` (a plain number is already in it). */
    | { type: 'duration'; key: KeysOf<C, number>; default?: number; unit: DurationUnit; min?: number }
    | { type: 'enum'; key: KeysOf<C, string>; default?: string; values: readonly string[] }
    /** Comma-separated, blanks dropped; `item` checks and converts each one. */
    | { type: 'list'; key: KeysOf<C, readonly unknown[]>; default?: readonly unknown[]; item?: ValueFormat<unknown> }
    /**
     * `k=v,k=v`; `value` checks and converts each value. The first use replaces the default,
     * later ones add to it. `perKeyFlag` (`concurrent-<name>-syncs`) names a flag family that sets one key each.
     */
    | { type: 'map'; key: KeysOf<C, Record<string, unknown>>; default?: Readonly<Record<string, unknown>>; value?: ValueFormat<unknown>; perKeyFlag?: string }
  );

// ---------------------------------------------------------------------------------------------
// Values

/** A whole number in [min, max] (no upper bound when max is omitted). */
export function integer(min: number, max?: number): ValueFormat<number> {
  return {
    want: max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`,
    meta: 'N',
    parse: (value) => (/^\d+$/.test(value) && Number(value) >= min && (max === undefined || Number(value) <= max) ? Number(value) : undefined),
  };
}

/** `true`/`1`, `false`/`0`, or '' (a bare flag: true). */
export const boolean: ValueFormat<boolean> = {
  want: 'true or false',
  parse: (value) => (value === 'true' || value === '1' || value === '' ? true : value === 'false' || value === '0' ? false : undefined),
};

export type DurationUnit = 's' | 'ms';
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go-style duration (`40`, `40s`, `1m30s`, `1500ms`, `1h`) in `unit`; a plain number is taken in `unit`. */
export function duration(unit: DurationUnit, min = 0): ValueFormat<number> {
  const want = `a duration like 40${unit}, 1m or 1500ms${min > 0 ? ` of at least ${min}${unit}` : ''}`;
  const parse = (value: string): number | undefined => {
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
    let ms = 0;
    let consumed = 0;
    for (let m = re.exec(value); m !== null; m = re.exec(value)) {
      ms += Number(m[1]) * unitMs[m[2]!]!;
      consumed = re.lastIndex;
    }
    return consumed > 0 && consumed === value.length ? ms / unitMs[unit]! : undefined;
  };
  return {
    want,
    parse: (value) => {
      const n = parse(value);
      return n !== undefined && n >= min ? n : undefined;
    },
  };
}

export function oneOf(values: readonly string[]): ValueFormat<string> {
  return { want: `one of ${values.join(', ')}`, parse: (value) => (values.includes(value) ? value : undefined) };
}

/** A string matching `pattern`, described as `want`. */
export function matching(pattern: RegExp, want: string): ValueFormat<string> {
  return { want, parse: (value) => (pattern.test(value) ? value : undefined) };
}

export const ipv4Cidr: ValueFormat<string> = {
  want: 'an IPv4 CIDR like 10.244.0.0/16',
  meta: 'CIDR',
  parse: (value) => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    return m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32 ? value : undefined;
  },
};

/** Throws `fail("LABEL: want ..., got "value"")` for a bad value. */
function check<V>(format: ValueFormat<V>, label: string, value: string, fail: FlagErrorFactory): V {
  const parsed = format.parse(value);
  if (parsed === undefined) throw fail(`${label}: want ${format.want}, got "${value}"`);
  return parsed;
}

/** A whole number in [min, max]; `--flag: want an integer from 0 to 10, got "11"` otherwise. */
export function parseIntegerFlag(flag: string, value: string, fail: FlagErrorFactory, min: number, max?: number): number {
  return check(integer(min, max), `--${flag}`, value, fail);
}

/** `true`, `false`, or a bare flag (true). */
export function parseBooleanFlag(flag: string, value: string, fail: FlagErrorFactory): boolean {
  return check(boolean, `--${flag}`, value, fail);
}

/** A duration in `unit` (see `duration`). */
export function parseDurationFlag(flag: string, value: string, fail: FlagErrorFactory, unit: DurationUnit): number {
  return check(duration(unit), `--${flag}`, value, fail);
}

const splitList = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** One value of a map flag. */
function entryValue<C>(spec: FlagSpec<C>, label: string, text: string, fail: FlagErrorFactory): unknown {
  return spec.type === 'map' && spec.value ? check(spec.value, label, text, fail) : text;
}

/** One flag's value from its text; `label` (`--name` or `$ENV`) starts any error. */
function parseValue<C>(spec: FlagSpec<C>, label: string, value: string, fail: FlagErrorFactory, previous?: unknown): unknown {
  switch (spec.type) {
    case 'string':
      if (value === '' && !spec.default) return spec.default;
      return spec.format ? check(spec.format, label, value, fail) : value;
    case 'int':
      return check(integer(spec.min, spec.max), label, value, fail);
    case 'bool':
      return check(boolean, label, value, fail);
    case 'duration':
      return check(duration(spec.unit, spec.min), label, value, fail);
    case 'enum':
      return check(oneOf(spec.values), label, value, fail);
    case 'list':
      return splitList(value).map((item) => (spec.item ? check(spec.item, label, item, fail) : item));
    case 'map': {
      const map: Record<string, unknown> = { ...(previous as Record<string, unknown> | undefined) };
      for (const pair of splitList(value)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw fail(`${label}: want KEY=VALUE pairs, got "${pair}"`);
        map[pair.slice(0, eq)] = entryValue(spec, label, pair.slice(eq + 1), fail);
      }
      return map;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * `--name=value` / `--name` (value '') pairs, in order; anything else is an error. With
 * `takesValue`, a bare `--name` it answers true for takes the next argument as its value
 * (`--kubeconfig /k`), as pflag does for every flag but booleans.
 */
export function splitFlags(
  argv: readonly string[],
  fail: FlagErrorFactory,
  takesValue: (flag: string) => boolean = () => false,
): Array<[flag: string, value: string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z0-9][a-z0-9-]*)(?:=([\s\S]*))?$/.exec(arg);
    if (!m) throw fail(`unexpected argument "${arg}"`);
    let value = m[2];
    if (value === undefined && takesValue(m[1]!)) {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw fail(`flag needs a value: --${m[1]}`);
    }
    pairs.push([m[1]!, value ?? '']);
  }
  return pairs;
}

/** `concurrent-<name>-syncs` → a matcher that returns the `<name>` part of a flag name. */
function familyMatcher(pattern: string): (flag: string) => string | undefined {
  const [before, after = ''] = pattern.split(/<[a-z]+>/) as [string, string?];
  return (flag) => {
    const key = flag.startsWith(before) && flag.endsWith(after) ? flag.slice(before.length, flag.length - after.length) : '';
    return /^[a-z0-9][a-z0-9-]*$/.test(key) ? key : undefined;
  };
}

/** Every flag at its default, or at its environment variable's value where that is set. */
export function flagDefaults<C>(flags: readonly FlagSpec<C>[], fail: FlagErrorFactory, env: Env = process.env): Partial<C> {
  const config: Record<string, unknown> = {};
  for (const spec of flags) {
    const fromEnv = spec.env === undefined ? undefined : env[spec.env];
    if (fromEnv) config[spec.key as string] = parseValue(spec, `$${spec.env}`, fromEnv, fail);
    else if (Array.isArray(spec.default)) config[spec.key as string] = [...spec.default];
    else if (spec.default !== undefined && typeof spec.default === 'object') config[spec.key as string] = { ...spec.default };
    else if (spec.default !== undefined) config[spec.key as string] = spec.default;
  }
  return config as Partial<C>;
}

const isEmpty = (value: unknown): boolean => value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

/**
 * Reads argv against `flags`: defaults (or their environment variables), then the flags in
 * order (the last of a repeated flag wins; maps add up), then the required ones. Unknown
 * flags, bad values and missing required flags throw `fail(message)`. Rules between flags
 * (`--a` excludes `--b`) are the caller's, on the config returned.
 */
export function readFlags<C>(flags: readonly FlagSpec<C>[], argv: readonly string[], fail: FlagErrorFactory, env: Env = process.env): C {
  const byName = new Map(flags.map((spec) => [spec.name, spec]));
  const families = flags.flatMap((spec) => (spec.type === 'map' && spec.perKeyFlag ? [{ spec, entryOf: familyMatcher(spec.perKeyFlag) }] : []));
  /** The flag's spec, and for a flag of a `perKeyFlag` family the map entry it sets. */
  const lookup = (name: string): { spec: FlagSpec<C>; entry?: string } | undefined => {
    const spec = byName.get(name);
    if (spec) return { spec };
    for (const family of families) {
      const entry = family.entryOf(name);
      if (entry !== undefined) return { spec: family.spec, entry };
    }
    return undefined;
  };
  const config = flagDefaults(flags, fail, env) as Record<string, unknown>;
  const seenMaps = new Set<string>();
  for (const [name, text] of splitFlags(argv, fail, (name) => ![undefined, 'bool'].includes(lookup(name)?.spec.type))) {
    const found = lookup(name);
    if (!found) throw fail(`unknown flag: --${name}`);
    const { spec, entry } = found;
    const key = spec.key as string;
    const previous = seenMaps.has(key) ? config[key] : undefined;
    const value =
      entry === undefined
        ? parseValue(spec, `--${name}`, text, fail, previous)
        : { ...(previous as object | undefined), [entry]: entryValue(spec, `--${name}`, text, fail) };
    if (value === undefined) delete config[key];
    else config[key] = value;
    if (spec.type === 'map') seenMaps.add(key);
  }
  const missing = flags
    .filter((spec) => (typeof spec.required === 'function' ? spec.required(config as Partial<C>) : spec.required) && isEmpty(config[spec.key as string]))
    .map((spec) => `--${spec.name}`);
  if (missing.length === 1) throw fail(`${missing[0]} is required`);
  if (missing.length > 1) throw fail(`${missing.slice(0, -1).join(', ')} and ${missing.at(-1)} are required`);
  return config as C;
}

// ---------------------------------------------------------------------------------------------
// Usage

function metaOf<C>(spec: FlagSpec<C>): string {
  if (spec.meta) return spec.meta;
  switch (spec.type) {
    case 'string':
      return spec.format?.meta ?? 'STRING';
    case 'int':
      return 'N';
    case 'bool':
      return 'BOOL';
    case 'duration':
      return 'DURATION';
    case 'enum':
      return spec.values.join('|');
    case 'list':
      return `${spec.item?.meta ?? 'VALUE'},...`;
    case 'map':
      return `KEY=${spec.value?.meta ?? 'VALUE'},...`;
  }
}

function defaultText<C>(spec: FlagSpec<C>): string | undefined {
  const value = spec.default;
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : undefined;
  if (typeof value === 'object') {
    const pairs = Object.entries(value).map(([k, v]) => `${k}=${String(v)}`);
    return pairs.length > 0 ? pairs.join(',') : undefined;
  }
  return spec.type === 'duration' ? `${String(value)}${spec.unit}` : String(value);
}

/**
 * `usage: NAME --required=META [flags]` (or the `synopses` given, one per way to run it),
 * then one line per flag: `--name=META  help (default: X)`.
 */
export function formatUsage<C>(command: string, flags: readonly FlagSpec<C>[], synopses?: readonly string[]): string {
  const required = flags.filter((spec) => spec.required).map((spec) => `--${spec.name}=${metaOf(spec)}`);
  const heads = synopses ?? [[...required, '[flags]'].join(' ')];
  const rows = flags.flatMap((spec) => {
    const left = `--${spec.name}=${metaOf(spec)}`;
    const dflt = defaultText(spec);
    const note = spec.env ? ` (default: $${spec.env}, else ${dflt ?? 'none'})` : dflt === undefined ? '' : ` (default: ${dflt})`;
    const row: [string, string] = [left, `${spec.help}${note}`];
    return spec.type === 'map' && spec.perKeyFlag
      ? [row, [`--${spec.perKeyFlag}=${spec.value?.meta ?? 'VALUE'}`, `one entry of --${spec.name}`] as [string, string]]
      : [row];
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    ...heads.map((head, i) => `${i === 0 ? 'usage:' : '   or:'} ${command} ${head}`),
    ...rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`),
  ].join('\n');
}

/** Base of every component's FlagError: the message, then the usage. */
export class UsageError extends Error {
  constructor(message: string, usage: string) {
    super(`${message}\n${usage}`);
    this.name = 'FlagError';
  }
}

// ---------------------------------------------------------------------------------------------
// Flags every component shares

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const logLevelFlag = {
  name: 'log-level',
  type: 'enum',
  key: 'logLevel',
  values: LOG_LEVELS,
  default: 'info',
  env: 'SKIFF_LOG_LEVEL',
  meta: 'LEVEL',
  help: `least severe level logged: ${LOG_LEVELS.slice(0, -1).join(', ')} or ${LOG_LEVELS.at(-1)}`,
} as const;

export const kubeconfigFlag = {
  name: 'kubeconfig',
  type: 'string',
  key: 'kubeconfig',
  default: '',
  required: true,
  meta: 'PATH',
  help: "kubeconfig with the apiserver address and this component's credentials",
} as const;

export function metricsPortFlag(port: number) {
  return {
    name: 'metrics-port',
    type: 'int',
    key: 'metricsPort',
    min: 0,
    max: 65535,
    default: port,
    meta: 'PORT',
    help: '/metrics and /healthz on 127.0.0.1; 0 turns them off',
  } as const;
}

/** Leader election, as kube-controller-manager and kube-scheduler spell it (seconds). */
export function leaderElectionFlags(minLeaseSeconds = 0) {
  return [
    { name: 'leader-elect', type: 'bool', key: 'leaderElect', default: true, help: 'campaign for the lease so only one copy works at a time' },
    {
      name: 'leader-elect-lease-duration',
      type: 'duration',
      key: 'leaseDurationSeconds',
      unit: 's',
      min: minLeaseSeconds,
      default: 15,
      help: 'how long followers wait after the last renewal before taking the lease',
    },
  ] as const;
}
