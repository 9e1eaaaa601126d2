/** The hollow kubelet's flags (see usage). */
export interface KubeletConfig {
  kubeconfig: string;
  hollowNodes: number;
  nodeNamePrefix: string;
  firstIndex: number;
  nodeCpu: string;
  nodeMemory: string;
  nodeMaxPods: number;
  nodeLabels: Record<string, string>;
  metricsPort: number;
  heartbeatIntervalMs: number;
  logLevel: string;
}

export const usage = `usage: kubelet --kubeconfig=PATH --hollow-nodes=N [--node-name-prefix=hollow-node-] [--first-index=0]
  [--node-cpu=4] [--node-memory=16Gi] [--node-max-pods=110] [--node-labels=k=v,...] [--metrics-port=0]
  [--heartbeat-interval-ms=10000] [--log-level=info]`;

export class FlagError extends Error {
  constructor(message: string) {
    super(`${message}\n${usage}`);
    this.name = 'FlagError';
  }
}

function parseCount(flag: string, value: string, min: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min) throw new FlagError(`--${flag}: want an integer >= ${min}, got "${value}"`);
  return Number(value);
}

function parseLabels(value: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new FlagError(`--node-labels: want k=v pairs, got "${pair}"`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

type Setter = (c: KubeletConfig, v: string, f: string) => void;
const flags: Record<string, Setter> = {
  kubeconfig: (c, v) => { c.kubeconfig = v; },
  'hollow-nodes': (c, v, f) => { c.hollowNodes = parseCount(f, v, 1); },
  'node-name-prefix': (c, v) => { c.nodeNamePrefix = v; },
  'first-index': (c, v, f) => { c.firstIndex = parseCount(f, v, 0); },
  'node-cpu': (c, v) => { c.nodeCpu = v; },
  'node-memory': (c, v) => { c.nodeMemory = v; },
  'node-max-pods': (c, v, f) => { c.nodeMaxPods = parseCount(f, v, 1); },
  'node-labels': (c, v) => { c.nodeLabels = parseLabels(v); },
  'metrics-port': (c, v, f) => { c.metricsPort = parseCount(f, v, 0); },
  'heartbeat-interval-ms': (c, v, f) => { c.heartbeatIntervalMs = parseCount(f, v, 100); },
  'log-level': (c, v) => { c.logLevel = v; },
};

export function parseKubeletFlags(argv: string[]): KubeletConfig {
  const cfg: KubeletConfig = {
    kubeconfig: '', hollowNodes: 0, nodeNamePrefix: 'hollow-node-', firstIndex: 0, nodeCpu: '4', nodeMemory: '16Gi',
    nodeMaxPods: 110, nodeLabels: {}, metricsPort: 0, heartbeatIntervalMs: 10_000, logLevel: 'info',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new FlagError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const setter = flags[name];
    if (!setter) throw new FlagError(`unknown flag: --${name}`);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new FlagError(`flag needs a value: --${name}`);
    setter(cfg, value, name);
  }
  if (!cfg.kubeconfig) throw new FlagError('missing required flag: --kubeconfig');
  if (!cfg.hollowNodes) throw new FlagError('missing required flag: --hollow-nodes (only hollow nodes exist so far)');
  return cfg;
}
