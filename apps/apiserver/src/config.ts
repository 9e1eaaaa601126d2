/**
 * The apiserver's configuration and its command-line flags, spelled as kube-apiserver
 * spells them so operators (and systemd units) recognise them.
 */

export interface ApiServerConfig {
  etcdServers: string[];
  bindAddress: string;
  securePort: number;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  clientCaFile: string;
  tokenAuthFile?: string;
  encryptionKeyFile?: string;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  advertiseAddress?: string;
  maxRequestBytes: number;
  etcdRequestTimeoutMs: number;
  watchBookmarkIntervalMs: number;
  etcdCompactionIntervalMs: number;
  logLevel: string;
  /** DefaultTolerationSeconds admission, as kube-apiserver's flags of the same names. */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /** The client certificate the apiserver shows kubelets (logs, exec, port-forward, stats), as kube-apiserver. */
  kubeletClientCertificate?: string;
  kubeletClientKey?: string;
  /** CA for kubelets' serving certificates; absent: not verified, as upstream. */
  kubeletCertificateAuthority?: string;
}

export const defaultConfig = {
  bindAddress: '0.0.0.0',
  securePort: 6443,
  serviceClusterIpRange: '10.96.0.0/12',
  serviceNodePortRange: '30000-32767',
  maxRequestBytes: 3 * 1024 * 1024,
  etcdRequestTimeoutMs: 5000,
  watchBookmarkIntervalMs: 60_000,
  etcdCompactionIntervalMs: 300_000,
  logLevel: 'info',
  defaultNotReadyTolerationSeconds: 300,
  defaultUnreachableTolerationSeconds: 300,
} satisfies Partial<ApiServerConfig>;

export const usage = `usage: apiserver --etcd-servers=URL[,URL...] --tls-cert-file=FILE --tls-private-key-file=FILE --client-ca-file=FILE
  [--bind-address=0.0.0.0] [--secure-port=6443] [--token-auth-file=FILE] [--encryption-key-file=FILE]
  [--service-cluster-ip-range=10.96.0.0/12] [--service-node-port-range=30000-32767] [--advertise-address=IP]
  [--max-request-bytes=3145728] [--etcd-request-timeout-ms=5000] [--watch-bookmark-interval-ms=60000]
  [--etcd-compaction-interval-ms=300000] [--log-level=info]
  [--default-not-ready-toleration-seconds=300] [--default-unreachable-toleration-seconds=300]
  [--kubelet-client-certificate=FILE --kubelet-client-key=FILE] [--kubelet-certificate-authority=FILE]`;

export class FlagError extends Error {
  constructor(message: string) {
    super(`${message}\n${usage}`);
    this.name = 'FlagError';
  }
}

type Setter = (cfg: Partial<ApiServerConfig>, value: string, flag: string) => void;

function parsePositiveInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new FlagError(`--${flag}: want a positive integer, got "${value}"`);
  return Number(value);
}

function parseNonNegativeInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new FlagError(`--${flag}: want a non-negative integer, got "${value}"`);
  return Number(value);
}

const flags: Record<string, Setter> = {
  'etcd-servers': (c, v) => { c.etcdServers = v.split(',').map((s) => s.trim()).filter(Boolean); },
  'bind-address': (c, v) => { c.bindAddress = v; },
  'secure-port': (c, v, f) => {
    const port = parsePositiveInt(f, v);
    if (port > 65535) throw new FlagError(`--${f}: port out of range: ${v}`);
    c.securePort = port;
  },
  'tls-cert-file': (c, v) => { c.tlsCertFile = v; },
  'tls-private-key-file': (c, v) => { c.tlsPrivateKeyFile = v; },
  'client-ca-file': (c, v) => { c.clientCaFile = v; },
  'token-auth-file': (c, v) => { c.tokenAuthFile = v; },
  'encryption-key-file': (c, v) => { c.encryptionKeyFile = v; },
  'service-cluster-ip-range': (c, v) => { c.serviceClusterIpRange = v; },
  'service-node-port-range': (c, v, f) => {
    if (!/^\d+-\d+$/.test(v)) throw new FlagError(`--${f}: want FROM-TO, got "${v}"`);
    c.serviceNodePortRange = v;
  },
  'advertise-address': (c, v) => { c.advertiseAddress = v; },
  'max-request-bytes': (c, v, f) => { c.maxRequestBytes = parsePositiveInt(f, v); },
  'etcd-request-timeout-ms': (c, v, f) => { c.etcdRequestTimeoutMs = parsePositiveInt(f, v); },
  'watch-bookmark-interval-ms': (c, v, f) => { c.watchBookmarkIntervalMs = parsePositiveInt(f, v); },
  'etcd-compaction-interval-ms': (c, v, f) => { c.etcdCompactionIntervalMs = parsePositiveInt(f, v); },
  'log-level': (c, v) => { c.logLevel = v; },
  'default-not-ready-toleration-seconds': (c, v, f) => { c.defaultNotReadyTolerationSeconds = parseNonNegativeInt(f, v); },
  'default-unreachable-toleration-seconds': (c, v, f) => { c.defaultUnreachableTolerationSeconds = parseNonNegativeInt(f, v); },
  'kubelet-client-certificate': (c, v) => { c.kubeletClientCertificate = v; },
  'kubelet-client-key': (c, v) => { c.kubeletClientKey = v; },
  'kubelet-certificate-authority': (c, v) => { c.kubeletCertificateAuthority = v; },
};

/** Parses `--flag=value` and `--flag value`; unknown flags and missing required ones throw FlagError. */
export function parseApiServerFlags(argv: string[]): ApiServerConfig {
  const cfg: Partial<ApiServerConfig> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new FlagError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const setter = flags[name];
    if (!setter) throw new FlagError(`unknown flag: --${name}`);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new FlagError(`flag needs a value: --${name}`);
    }
    setter(cfg, value, name);
  }
  const missing = (['etcdServers', 'tlsCertFile', 'tlsPrivateKeyFile', 'clientCaFile'] as const)
    .filter((k) => cfg[k] === undefined || (Array.isArray(cfg[k]) && cfg[k].length === 0));
  if (missing.length > 0) {
    const names = missing.map((k) => `--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`);
    throw new FlagError(`missing required flag(s): ${names.join(', ')}`);
  }
  return { ...defaultConfig, ...cfg } as ApiServerConfig;
}
