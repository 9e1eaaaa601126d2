/** The scheduler's configuration and flags, spelled as kube-scheduler spells them. */
import { formatUsage, kubeconfigFlag, leaderElectionFlags, logLevelFlag, metricsPortFlag, readFlags, UsageError, type Env, type FlagSpec } from '@skiff/log';

export interface SchedulerConfig {
  kubeconfig: string;
  leaderElect: boolean;
  leaseDurationSeconds: number;
  /** Port for /metrics and /healthz on 127.0.0.1; 0 = off. */
  metricsPort: number;
  /** Bindings in flight at once. */
  parallelism: number;
  /** 0 = kube's adaptive share of nodes to score. */
  percentageOfNodesToScore: number;
  logLevel: string;
}

const flags: FlagSpec<SchedulerConfig>[] = [
  kubeconfigFlag,
  ...leaderElectionFlags(2),
  metricsPortFlag(10259),
  { name: 'parallelism', type: 'int', key: 'parallelism', min: 1, max: 1024, default: 16, help: 'bindings in flight at once' },
  {
    name: 'percentage-of-nodes-to-score',
    type: 'int',
    key: 'percentageOfNodesToScore',
    min: 0,
    max: 100,
    default: 0,
    help: "share of feasible nodes to score; 0 = kube's adaptive share",
  },
  logLevelFlag,
];

export const usage = formatUsage('scheduler', flags);

export class FlagError extends UsageError {
  constructor(message: string) {
    super(message, usage);
  }
}

export function parseSchedulerFlags(argv: readonly string[], env: Env = process.env): SchedulerConfig {
  return readFlags(flags, argv, (message) => new FlagError(message), env);
}
