/**
 * The controller-manager's configuration and flags, spelled as kube-controller-manager
 * spells them. Durations are seconds; `40`, `40s`, `1m`, `1500ms` are all accepted.
 */
import {
  formatUsage,
  integer,
  ipv4Cidr,
  kubeconfigFlag,
  leaderElectionFlags,
  logLevelFlag,
  metricsPortFlag,
  parseDurationFlag,
  readFlags,
  UsageError,
  type Env,
  type FlagSpec,
} from '@skiff/log';

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
  /** Terminated pods kept before the pod GC deletes the oldest (0: never; default 12500). */
  terminatedPodGcThreshold?: number;
  /** The CA the csrsigning controller issues node client certificates with (PEM files). */
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** Longest lifetime of an issued certificate (default 1 year). */
  clusterSigningDurationSeconds?: number;
  /** The cluster CA certificate published in every namespace's kube-root-ca.crt ConfigMap and legacy token Secrets. */
  rootCaFile?: string;
  /** The service-account private key legacy token Secrets are signed with. */
  serviceAccountPrivateKeyFile?: string;
  /** --horizontal-pod-autoscaler-*: how often every HPA is looked at, and its algorithm's windows (upstream's defaults: 15, 300, 300, 30). */
  horizontalPodAutoscalerSyncPeriodSeconds?: number;
  horizontalPodAutoscalerDownscaleStabilizationSeconds?: number;
  horizontalPodAutoscalerCpuInitializationPeriodSeconds?: number;
  horizontalPodAutoscalerInitialReadinessDelaySeconds?: number;
  logLevel?: string;
}

export const DEFAULT_WORKERS = 5;

const seconds = { type: 'duration', unit: 's' } as const;

const flags: FlagSpec<ControllerManagerConfig>[] = [
  kubeconfigFlag,
  ...leaderElectionFlags(),
  {
    name: 'leader-elect-renew-deadline',
    ...seconds,
    key: 'renewDeadlineSeconds',
    help: 'a leader that cannot renew for this long steps down (default: 2/3 of the lease, at most 10s)',
  },
  { name: 'leader-elect-retry-period', ...seconds, key: 'retryPeriodSeconds', help: 'pause between lease attempts (default: 1/5 of the lease, at most 2s)' },
  { name: 'node-monitor-grace-period', ...seconds, key: 'nodeMonitorGracePeriodSeconds', default: 40, help: 'a node silent this long is marked not ready' },
  { name: 'node-startup-grace-period', ...seconds, key: 'nodeStartupGracePeriodSeconds', default: 60, help: 'the same for a node that has never been ready' },
  { name: 'cluster-cidr', type: 'string', key: 'clusterCidr', default: '10.244.0.0/16', format: ipv4Cidr, help: "the pods' range, cut into node CIDRs" },
  { name: 'node-cidr-mask-size', type: 'int', key: 'nodeCidrMaskSize', min: 1, max: 32, default: 24, help: "prefix length of each node's pod CIDR" },
  {
    name: 'controllers',
    type: 'list',
    key: 'controllers',
    default: ['*'],
    meta: 'NAME,...',
    help: 'controllers to run: * = all, name = add one, -name = leave one out',
  },
  {
    name: 'workers',
    type: 'map',
    key: 'workers',
    default: {},
    value: integer(1),
    perKeyFlag: 'concurrent-<name>-syncs',
    help: `workers per controller; ${DEFAULT_WORKERS} for the rest`,
  },
  { name: 'gc-interval', ...seconds, key: 'gcIntervalSeconds', help: 'accepted, not used yet' },
  {
    name: 'terminated-pod-gc-threshold',
    type: 'int',
    key: 'terminatedPodGcThreshold',
    min: 0,
    help: 'terminated pods kept before the oldest are deleted (default: 12500; 0: keep all)',
  },
  {
    name: 'horizontal-pod-autoscaler-sync-period',
    ...seconds,
    key: 'horizontalPodAutoscalerSyncPeriodSeconds',
    default: 15,
    min: 1,
    help: 'how often every HorizontalPodAutoscaler is looked at',
  },
  {
    name: 'horizontal-pod-autoscaler-downscale-stabilization',
    ...seconds,
    key: 'horizontalPodAutoscalerDownscaleStabilizationSeconds',
    default: 300,
    help: 'scale-down window of HPAs that set none',
  },
  {
    name: 'horizontal-pod-autoscaler-cpu-initialization-period',
    ...seconds,
    key: 'horizontalPodAutoscalerCpuInitializationPeriodSeconds',
    default: 300,
    help: 'a pod this young counts as not ready for cpu scaling',
  },
  {
    name: 'horizontal-pod-autoscaler-initial-readiness-delay',
    ...seconds,
    key: 'horizontalPodAutoscalerInitialReadinessDelaySeconds',
    default: 30,
    help: 'readiness changes this soon after start are ignored',
  },
  metricsPortFlag(10257),
  logLevelFlag,
  {
    name: 'cluster-signing-cert-file',
    type: 'string',
    key: 'clusterSigningCertFile',
    meta: 'PATH',
    help: 'CA certificate the csrsigning controller issues with (PEM)',
  },
  { name: 'cluster-signing-key-file', type: 'string', key: 'clusterSigningKeyFile', meta: 'PATH', help: 'its private key (PEM)' },
  { name: 'cluster-signing-duration', ...seconds, key: 'clusterSigningDurationSeconds', help: 'longest lifetime of an issued certificate (default: 8760h)' },
  { name: 'root-ca-file', type: 'string', key: 'rootCaFile', meta: 'PATH', help: 'cluster CA published as kube-root-ca.crt and in token Secrets (PEM)' },
  {
    name: 'service-account-private-key-file',
    type: 'string',
    key: 'serviceAccountPrivateKeyFile',
    meta: 'PATH',
    help: 'key that signs legacy service-account token Secrets (PEM)',
  },
];

export const usage = formatUsage('controller-manager', flags);

export class FlagError extends UsageError {
  constructor(message: string) {
    super(message, usage);
  }
}

const fail = (message: string): Error => new FlagError(message);

/** Seconds from `15`, `15s`, `1m`, `1m30s`, `500ms`, `1h`. */
export function parseDurationSeconds(flag: string, value: string): number {
  return parseDurationFlag(flag, value, fail, 's');
}

/** `--flag=value` and `--flag value` (bool flags: `--leader-elect` alone means true). */
export function parseControllerManagerFlags(argv: readonly string[], env: Env = process.env): ControllerManagerConfig {
  const config = readFlags(flags, argv, fail, env);
  if (config.leaderElect && config.renewDeadlineSeconds !== undefined && config.renewDeadlineSeconds >= config.leaseDurationSeconds) {
    throw fail('--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration');
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
