/**
 * Argument parsing as kubectl (cobra/pflag) does it: global flags anywhere on the line,
 * `--flag=value` or `--flag value`, `-nVALUE` / `-n VALUE` for short flags, bool flags
 * take `--flag=false`, repeatable flags collect values, `--` ends flag parsing.
 */
import { CliError } from './errors.ts';

export type FlagType = 'string' | 'bool' | 'array' | 'int';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  /** Default for bools is false; strings/ints default to undefined; arrays to []. */
  default?: string | boolean | number;
  /** `--help`'s one-line description, in kubectl's words. */
  usage?: string;
}

export const globalFlags: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', usage: 'Path to the kubeconfig file to use for CLI requests.' },
  { name: 'context', type: 'string', usage: 'The name of the kubeconfig context to use' },
  { name: 'namespace', short: 'n', type: 'string', usage: 'If present, the namespace scope for this CLI request' },
  {
    name: 'all-namespaces',
    short: 'A',
    type: 'bool',
    usage: 'If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace.',
  },
  {
    name: 'output',
    short: 'o',
    type: 'string',
    usage: 'Output format. One of: (json, yaml, name, wide, custom-columns, custom-columns-file, jsonpath, go-template, go-template-file, template).',
  },
  {
    name: 'selector',
    short: 'l',
    type: 'string',
    usage:
      "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2). Matching objects must satisfy all of the specified label constraints.",
  },
  {
    name: 'field-selector',
    type: 'string',
    usage:
      "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector key1=value1,key2=value2). The server only supports a limited number of field queries per type.",
  },
  { name: 'watch', short: 'w', type: 'bool', usage: 'After listing/getting the requested object, watch for changes.' },
  { name: 'filename', short: 'f', type: 'array', usage: 'Filename, directory, or URL to files identifying the resource.' },
  {
    name: 'recursive',
    short: 'R',
    type: 'bool',
    usage: 'Process the directory used in -f, --filename recursively. Useful when you want to manage related manifests organized within the same directory.',
  },
  { name: 'help', short: 'h', type: 'bool', usage: 'help for the command' },
  { name: 'as', type: 'string', usage: 'Username to impersonate for the operation. User could be a regular user or a service account in a namespace.' },
  { name: 'as-group', type: 'array', usage: 'Group to impersonate for the operation, this flag can be repeated to specify multiple groups.' },
  {
    name: 'request-timeout',
    type: 'string',
    usage:
      "The length of time to wait before giving up on a single server request. Non-zero values should contain a corresponding time unit (e.g. 1s, 2m, 3h). A value of zero means don't timeout requests.",
  },
];

type FlagValue = string | boolean | number | string[];

/** Parsed flag values with typed accessors; absent flags answer their defaults. */
export class Flags {
  readonly #values = new Map<string, FlagValue>();
  readonly #specs: Map<string, FlagSpec>;

  constructor(specs: FlagSpec[]) {
    this.#specs = new Map(specs.map((s) => [s.name, s]));
  }

  set(name: string, value: FlagValue): void {
    this.#values.set(name, value);
  }

  /** True when the flag appeared on the command line. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  string(name: string): string | undefined {
    const v = this.#values.get(name) ?? this.#specs.get(name)?.default;
    return v === undefined ? undefined : String(v);
  }

  bool(name: string): boolean {
    const v = this.#values.get(name) ?? this.#specs.get(name)?.default;
    return v === true;
  }

  int(name: string): number | undefined {
    const v = this.#values.get(name) ?? this.#specs.get(name)?.default;
    return typeof v === 'number' ? v : undefined;
  }

  list(name: string): string[] {
    const v = this.#values.get(name);
    return Array.isArray(v) ? [...v] : [];
  }
}

export interface ParsedArgs {
  /** The command name ('' when none was given). */
  command: string;
  /** Positional arguments after the command name. */
  args: string[];
  flags: Flags;
}

/**
 * Finds the command name: the first positional argument, skipping global flags and
 * their values (so `-n kube-system get pods` works as in kubectl).
 */
export function findCommandName(argv: string[]): string {
  const byLong = new Map(globalFlags.map((s) => [s.name, s]));
  const byShort = new Map(globalFlags.filter((s) => s.short).map((s) => [s.short!, s]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return argv[i + 1] ?? '';
    if (a.startsWith('--')) {
      const spec = byLong.get(a.slice(2));
      if (spec && spec.type !== 'bool' && !a.includes('=')) i++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      const spec = byShort.get(a[1]);
      if (spec && spec.type !== 'bool' && a.length === 2) i++;
      continue;
    }
    return a;
  }
  return '';
}

/** Parses argv (without node and script) given the command's own flag specs. */
export function parseArgs(argv: string[], commandFlags: FlagSpec[] = []): ParsedArgs {
  const specs = [...globalFlags, ...commandFlags];
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags = new Flags(specs);
  const positionals: string[] = [];

  const assign = (spec: FlagSpec, raw: string | undefined, shown: string): void => {
    if (spec.type === 'bool') {
      if (raw === undefined || raw === 'true') flags.set(spec.name, true);
      else if (raw === 'false') flags.set(spec.name, false);
      else throw new CliError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`);
      return;
    }
    if (raw === undefined) throw new CliError(`flag needs an argument: ${shown}`);
    if (spec.type === 'int') {
      if (!/^-?\d+$/.test(raw)) throw new CliError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`);
      flags.set(spec.name, Number(raw));
    } else if (spec.type === 'array') {
      flags.set(spec.name, [...flags.list(spec.name), raw]);
    } else {
      flags.set(spec.name, raw);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw new CliError(`unknown flag: --${name}`);
      let raw = eq < 0 ? undefined : a.slice(eq + 1);
      if (raw === undefined && spec.type !== 'bool') raw = argv[++i];
      assign(spec, raw, `--${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // A run of shorthand flags: -Aw, -oyaml, -n=ns, -n ns.
      for (let j = 1; j < a.length; j++) {
        const spec = byShort.get(a[j]);
        if (!spec) throw new CliError(`unknown shorthand flag: '${a[j]}' in ${a}`);
        const shown = `-${spec.short}, --${spec.name}`;
        if (spec.type === 'bool') {
          assign(spec, undefined, shown);
          continue;
        }
        let raw = a.slice(j + 1);
        if (raw.startsWith('=')) raw = raw.slice(1);
        assign(spec, raw !== '' ? raw : argv[++i], shown);
        break;
      }
      continue;
    }
    positionals.push(a);
  }
  const [command = '', ...args] = positionals;
  return { command, args, flags };
}
