/**
 * The controller-manager's configuration and flags, spelled as kube-controller-manager
 * spells them. Durations are seconds; `40`, `40s`, `1m`, `1500ms` are all accepted.
 */

export interface ControllerManagerConfig {
  kubeconfig: string;
  leaderElect: boolean;
  leaseDurationSeconds: number;
  /** A leader that cannot renew for this long steps down (default: 10 s, at most 2/3 of the lease). */
  renewDeadlineSeconds?: number;
  /** Pause between lease acquire/renew attempts (default: 2 s, at most 1/5 of the lease). */
  retryPeriodSeconds?: number;
  nodeMonitorGracePeriodSeconds: number;
  nodeStartupGracePeriodSeconds: number;
  clusterCidr: string;
  nodeCidrMaskSize: number;
  /** Names to run: '*' = all, 'foo' = add, '-foo' = remove (as --controllers in kube). */
  controllers: string[];
  /** Workers per controller name; absent names get 5. */
  workers: Record<string, number>;
  /** Port for /metrics and /healthz on 127.0.0.1; 0 = off. */
  metricsPort: number;
  gcIntervalSeconds?: number;
  /** The CA the csrsigning controller issues node client certificates with (PEM files). */
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** Longest lifetime of an issued certificate (default 1 year). */
  clusterSigningDurationSeconds?: number;
  logLevel?: string;
}

export const DEFAULT_WORKERS = 5;

export const defaultConfig = {
  leaderElect: true,
  leaseDurationSeconds: 15,
  nodeMonitorGracePeriodSeconds: 40,
  nodeStartupGracePeriodSeconds: 60,
  clusterCidr: '10.244.0.0/16',
  nodeCidrMaskSize: 24,
  controllers: ['*'],
  workers: {},
  metricsPort: 10257,
  logLevel: 'info',
} satisfies Partial<ControllerManagerConfig>;

export const usage = `usage: controller-manager --kubeconfig=PATH
  [--leader-elect=true] [--leader-elect-lease-duration=15] [--leader-elect-renew-deadline=10] [--leader-elect-retry-period=2]
  [--node-monitor-grace-period=40] [--node-startup-grace-period=60]
  [--cluster-cidr=10.244.0.0/16] [--node-cidr-mask-size=24]
  [--controllers=*[,-name|,name...]] [--workers=name=N[,name=N...]] [--concurrent-<name>-syncs=N]
  [--gc-interval=SECONDS] [--metrics-port=10257] [--log-level=info]
  [--cluster-signing-cert-file=PATH --cluster-signing-key-file=PATH] [--cluster-signing-duration=8760h]`;

export class FlagError extends Error {
  constructor(message: string) {
    super(`${message}\n${usage}`);
    this.name = 'FlagError';
  }
}

type Setter = (cfg: Partial<ControllerManagerConfig>, value: string, flag: string) => void;

/** Seconds from `15`, `15s`, `1m`, `1m30s`, `500ms`, `1h`. */
export function parseDurationSeconds(flag: string, value: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = re.exec(value)) !== null) {
    total += Number(match[1]) * unit[match[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== value.length) throw new FlagError(`--${flag}: want a duration like 40, 40s or 1m, got "${value}"`);
  return total;
}

function parseNonNegativeInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new FlagError(`--${flag}: want a non-negative integer, got "${value}"`);
  return Number(value);
}

function parsePositiveInt(flag: string, value: string): number {
  const n = parseNonNegativeInt(flag, value);
  if (n === 0) throw new FlagError(`--${flag}: want a positive integer, got "${value}"`);
  return n;
}

function parseBool(flag: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new FlagError(`--${flag}: want true or false, got "${value}"`);
}

function parseCidr(flag: string, value: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
    throw new FlagError(`--${flag}: want an IPv4 CIDR like 10.244.0.0/16, got "${value}"`);
  }
  return value;
}

const boolFlags = new Set(['leader-elect']);

const flags: Record<string, Setter> = {
  kubeconfig: (c, v) => { c.kubeconfig = v; },
  'leader-elect': (c, v, f) => { c.leaderElect = parseBool(f, v); },
  'leader-elect-lease-duration': (c, v, f) => { c.leaseDurationSeconds = parseDurationSeconds(f, v); },
  'leader-elect-renew-deadline': (c, v, f) => { c.renewDeadlineSeconds = parseDurationSeconds(f, v); },
  'leader-elect-retry-period': (c, v, f) => { c.retryPeriodSeconds = parseDurationSeconds(f, v); },
  'node-monitor-grace-period': (c, v, f) => { c.nodeMonitorGracePeriodSeconds = parseDurationSeconds(f, v); },
  'node-startup-grace-period': (c, v, f) => { c.nodeStartupGracePeriodSeconds = parseDurationSeconds(f, v); },
  'cluster-cidr': (c, v, f) => { c.clusterCidr = parseCidr(f, v); },
  'node-cidr-mask-size': (c, v, f) => {
    const n = parsePositiveInt(f, v);
    if (n > 32) throw new FlagError(`--${f}: want at most 32, got "${v}"`);
    c.nodeCidrMaskSize = n;
  },
  controllers: (c, v) => { c.controllers = v.split(',').map((s) => s.trim()).filter(Boolean); },
  workers: (c, v, f) => {
    const workers = { ...c.workers };
    for (const pair of v.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [name, count] = pair.split('=');
      if (!name || count === undefined) throw new FlagError(`--${f}: want name=N pairs, got "${pair}"`);
      workers[name] = parsePositiveInt(f, count);
    }
    c.workers = workers;
  },
  'gc-interval': (c, v, f) => { c.gcIntervalSeconds = parseDurationSeconds(f, v); },
  'cluster-signing-cert-file': (c, v) => { c.clusterSigningCertFile = v; },
  'cluster-signing-key-file': (c, v) => { c.clusterSigningKeyFile = v; },
  'cluster-signing-duration': (c, v, f) => { c.clusterSigningDurationSeconds = parseDurationSeconds(f, v); },
  'metrics-port': (c, v, f) => {
    const port = parseNonNegativeInt(f, v);
    if (port > 65535) throw new FlagError(`--${f}: port out of range: ${v}`);
    c.metricsPort = port;
  },
  'log-level': (c, v) => { c.logLevel = v; },
};

/** kube's --concurrent-deployment-syncs=N and friends map onto `workers`. */
const concurrentSyncs = /^concurrent-([a-z-]+?)-syncs$/;

/** Parses `--flag=value` and `--flag value` (bool flags: `--leader-elect` alone means true). */
export function parseControllerManagerFlags(argv: string[]): ControllerManagerConfig {
  const cfg: Partial<ControllerManagerConfig> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new FlagError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const syncs = concurrentSyncs.exec(name);
    const setter: Setter | undefined = syncs
      ? (c, v, f) => { c.workers = { ...c.workers, [syncs[1]!]: parsePositiveInt(f, v) }; }
      : flags[name];
    if (!setter) throw new FlagError(`unknown flag: --${name}`);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined && boolFlags.has(name)) value = 'true';
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new FlagError(`flag needs a value: --${name}`);
    }
    setter(cfg, value, name);
  }
  if (!cfg.kubeconfig) throw new FlagError('missing required flag: --kubeconfig');
  const config = { ...defaultConfig, ...cfg } as ControllerManagerConfig;
  if (config.leaderElect && config.renewDeadlineSeconds !== undefined && config.renewDeadlineSeconds >= config.leaseDurationSeconds) {
    throw new FlagError('--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration');
  }
  return config;
}

/**
 * Resolves --controllers against the known names as kube does: '*' turns on every
 * controller, 'foo' turns one on, '-foo' turns one off (and wins over '*').
 * Unknown names throw, so a typo does not silently run nothing.
 */
export function selectControllers(requested: string[], known: readonly string[]): string[] {
  const all = requested.includes('*');
  const on = new Set<string>();
  const off = new Set<string>();
  for (const item of requested) {
    if (item === '*') continue;
    const disabled = item.startsWith('-');
    const name = disabled ? item.slice(1) : item;
    if (!known.includes(name)) throw new FlagError(`--controllers: unknown controller "${name}" (known: ${known.join(', ')})`);
    (disabled ? off : on).add(name);
  }
  return known.filter((name) => !off.has(name) && (all || on.has(name)));
}
