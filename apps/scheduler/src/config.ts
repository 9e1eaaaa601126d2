/** The scheduler's configuration and flags, spelled as kube-scheduler spells them. */
import { splitFlags, parseIntegerFlag, parseBooleanFlag } from '@skiff/log';

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

export const usage = `usage: scheduler --kubeconfig=PATH [--leader-elect=true] [--leader-elect-lease-duration=15]
  [--metrics-port=10259] [--parallelism=16] [--percentage-of-nodes-to-score=0] [--log-level=info]`;

export class FlagError extends Error {
  constructor(message: string) {
    super(`${message}\n${usage}`);
    this.name = 'FlagError';
  }
}

const fail = (message: string): Error => new FlagError(message);
const parseInteger = (flag: string, value: string, min: number, max?: number): number => parseIntegerFlag(flag, value, fail, min, max);
const parseBoolean = (flag: string, value: string): boolean => parseBooleanFlag(flag, value, fail);

/** `--name=value` flags (a bare `--leader-elect` means true). */
export function parseSchedulerFlags(argv: readonly string[]): SchedulerConfig {
  const config: SchedulerConfig = {
    kubeconfig: '',
    leaderElect: true,
    leaseDurationSeconds: 15,
    metricsPort: 10259,
    parallelism: 16,
    percentageOfNodesToScore: 0,
    logLevel: 'info',
  };
  for (const [flag, value] of splitFlags(argv, fail)) {
    switch (flag) {
      case 'kubeconfig':
        config.kubeconfig = value;
        break;
      case 'leader-elect':
        config.leaderElect = parseBoolean(flag, value);
        break;
      case 'leader-elect-lease-duration':
        config.leaseDurationSeconds = parseInteger(flag, value.replace(/s$/, ''), 2);
        break;
      case 'metrics-port':
        config.metricsPort = parseInteger(flag, value, 0, 65535);
        break;
      case 'parallelism':
        config.parallelism = parseInteger(flag, value, 1, 1024);
        break;
      case 'percentage-of-nodes-to-score':
        config.percentageOfNodesToScore = parseInteger(flag, value, 0, 100);
        break;
      case 'log-level':
        config.logLevel = value;
        break;
      default:
        throw new FlagError(`unknown flag --${flag}`);
    }
  }
  if (!config.kubeconfig) throw new FlagError('--kubeconfig is required');
  return config;
}
