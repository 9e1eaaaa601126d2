import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { formatUsage, kubeconfigFlag, logLevelFlag, metricsPortFlag, readFlags, UsageError, type Env, type FlagSpec } from '@skiff/log';

/** The local-path provisioner's node half, from `--name=value` flags. */
export interface LocalPathConfig {
  kubeconfig: string;
  /** The node this copy serves: it provisions claims the scheduler placed here, and only here. */
  nodeName: string;
  /** Where volumes' directories go; default $SKIFF_HOME/storage. */
  storageRoot: string;
  /** /metrics and /healthz on 127.0.0.1; 0 = off. */
  metricsPort: number;
  logLevel: string;
}

const flags: FlagSpec<LocalPathConfig>[] = [
  kubeconfigFlag,
  { name: 'node-name', type: 'string', key: 'nodeName', default: '', required: true, meta: 'NAME', help: 'the Node this provisioner serves' },
  {
    name: 'storage-root',
    type: 'string',
    key: 'storageRoot',
    default: '',
    meta: 'DIR',
    help: 'where volume directories are made (default $SKIFF_HOME/storage)',
  },
  metricsPortFlag(0),
  logLevelFlag,
];

export const usage = formatUsage('local-path', flags);

export class FlagError extends UsageError {
  constructor(message: string) {
    super(message, usage);
  }
}

/** $SKIFF_HOME/storage, with the launcher's rule for an unset SKIFF_HOME (root: /var/lib/skiff, others: ~/.skiff). */
export function defaultStorageRoot(env: Env = process.env, uid = process.getuid?.() ?? 0): string {
  const home = env.SKIFF_HOME ? resolve(env.SKIFF_HOME) : uid === 0 ? '/var/lib/skiff' : join(homedir(), '.skiff');
  return join(home, 'storage');
}

export function parseLocalPathFlags(argv: readonly string[], env: Env = process.env): LocalPathConfig {
  const config = readFlags(flags, argv, (message) => new FlagError(message), env);
  if (!config.storageRoot) return { ...config, storageRoot: defaultStorageRoot(env) };
  if (!isAbsolute(config.storageRoot)) throw new FlagError(`--storage-root: want an absolute path, got "${config.storageRoot}"`);
  return config;
}
