/**
 * The apiserver's configuration and its command-line flags, spelled as kube-apiserver
 * spells them so operators (and systemd units) recognise them.
 */
import { formatUsage, logLevelFlag, matching, readFlags, UsageError, type Env, type FlagSpec } from '@skiff/log';

export interface ApiServerConfig {
  etcdServers: string[];
  /** Mutual TLS towards etcd, as kube-apiserver: the etcd CA, and the client certificate etcd checks. */
  etcdCaFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
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
  /** Public (or private) key(s) that verify service-account tokens, as kube-apiserver's flag. */
  serviceAccountKeyFile?: string;
  /** The private key that signs them (TokenRequest). */
  serviceAccountSigningKeyFile?: string;
  /** `iss` of the tokens. */
  serviceAccountIssuer: string;
  /** Audiences a token must name (default: the issuer). */
  apiAudiences: string[];
  /** The aggregation layer's client certificate towards extension apiservers (the front proxy), as kube-apiserver. */
  proxyClientCertFile?: string;
  proxyClientKeyFile?: string;
  /** The CA that signed it, published in kube-system/extension-apiserver-authentication. */
  requestheaderClientCaFile?: string;
  /** CNs extension apiservers should accept the front-proxy certificate from. */
  requestheaderAllowedNames?: string[];
  /** The audit log (audit.k8s.io/v1 Event JSON lines); absent: no audit log. As kube-apiserver's --audit-log-* flags. */
  auditLogPath?: string;
  /** The audit policy (audit.k8s.io/v1 Policy, YAML or JSON); absent: Skiff's default policy. */
  auditPolicyFile?: string;
  /** Rotation: megabytes per file, rotated files kept, days kept. */
  auditLogMaxsize: number;
  auditLogMaxbackup: number;
  auditLogMaxage: number;
  /** In-flight limits: read-only and mutating requests served at once before 429 with Retry-After. */
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  /** AdmissionConfiguration (apiserver.config.k8s.io/v1): PodSecurity defaults and exemptions. Absent: baseline enforced everywhere but kube-system. */
  admissionControlConfigFile?: string;
}

const port = { type: 'int', min: 1, max: 65535 } as const;
const positive = { type: 'int', min: 1 } as const;
const seconds = { type: 'int', min: 0, meta: 'SECONDS' } as const;
const file = { type: 'string', meta: 'FILE' } as const;

const flags: FlagSpec<ApiServerConfig>[] = [
  { name: 'etcd-servers', type: 'list', key: 'etcdServers', required: true, meta: 'URL,...', help: "the etcd members' client URLs" },
  { name: 'etcd-cafile', ...file, key: 'etcdCaFile', help: "CA that signs the etcd members' serving certificates (https:// etcd)" },
  { name: 'etcd-certfile', ...file, key: 'etcdCertFile', help: 'client certificate shown to etcd' },
  { name: 'etcd-keyfile', ...file, key: 'etcdKeyFile', help: 'its private key' },
  { name: 'tls-cert-file', ...file, key: 'tlsCertFile', required: true, help: 'the serving certificate (PEM)' },
  { name: 'tls-private-key-file', ...file, key: 'tlsPrivateKeyFile', required: true, help: 'its private key (PEM)' },
  { name: 'client-ca-file', ...file, key: 'clientCaFile', required: true, help: 'CA that signs client certificates' },
  { name: 'bind-address', type: 'string', key: 'bindAddress', default: '0.0.0.0', meta: 'IP', help: 'address to listen on' },
  { name: 'secure-port', ...port, key: 'securePort', default: 6443, help: 'HTTPS port' },
  { name: 'token-auth-file', ...file, key: 'tokenAuthFile', help: 'static bearer tokens (CSV, as kube-apiserver reads it)' },
  { name: 'encryption-key-file', ...file, key: 'encryptionKeyFile', help: 'key that encrypts Secrets at rest in etcd' },
  { name: 'service-cluster-ip-range', type: 'string', key: 'serviceClusterIpRange', default: '10.96.0.0/12', meta: 'CIDR', help: 'where ClusterIPs come from' },
  {
    name: 'service-node-port-range',
    type: 'string',
    key: 'serviceNodePortRange',
    default: '30000-32767',
    meta: 'FROM-TO',
    format: matching(/^\d+-\d+$/, 'FROM-TO'),
    help: 'where NodePorts come from',
  },
  { name: 'advertise-address', type: 'string', key: 'advertiseAddress', meta: 'IP', help: "address published in the kubernetes Service's endpoints" },
  { name: 'max-request-bytes', ...positive, key: 'maxRequestBytes', default: 3 * 1024 * 1024, help: 'largest request body accepted' },
  { name: 'etcd-request-timeout-ms', ...positive, key: 'etcdRequestTimeoutMs', default: 5000, help: 'deadline of one etcd request' },
  {
    name: 'watch-bookmark-interval-ms',
    ...positive,
    key: 'watchBookmarkIntervalMs',
    default: 60_000,
    help: 'how often a watch that asked for bookmarks gets one',
  },
  { name: 'etcd-compaction-interval-ms', ...positive, key: 'etcdCompactionIntervalMs', default: 300_000, help: 'how often old etcd revisions are compacted' },
  logLevelFlag,
  {
    name: 'default-not-ready-toleration-seconds',
    ...seconds,
    key: 'defaultNotReadyTolerationSeconds',
    default: 300,
    help: 'tolerationSeconds DefaultTolerationSeconds admission gives pods for not-ready nodes',
  },
  {
    name: 'default-unreachable-toleration-seconds',
    ...seconds,
    key: 'defaultUnreachableTolerationSeconds',
    default: 300,
    help: 'the same for unreachable nodes',
  },
  {
    name: 'kubelet-client-certificate',
    ...file,
    key: 'kubeletClientCertificate',
    help: 'client certificate shown to kubelets (logs, exec, port-forward, stats)',
  },
  { name: 'kubelet-client-key', ...file, key: 'kubeletClientKey', help: 'its private key' },
  {
    name: 'kubelet-certificate-authority',
    ...file,
    key: 'kubeletCertificateAuthority',
    help: "CA of kubelets' serving certificates; none: not verified, as upstream",
  },
  { name: 'service-account-key-file', ...file, key: 'serviceAccountKeyFile', help: 'public key that verifies service-account tokens (PEM)' },
  { name: 'service-account-signing-key-file', ...file, key: 'serviceAccountSigningKeyFile', help: 'private key that signs service-account tokens (PEM)' },
  {
    name: 'service-account-issuer',
    type: 'string',
    key: 'serviceAccountIssuer',
    default: 'https://kubernetes.default.svc.cluster.local',
    meta: 'URL',
    help: 'the iss claim of service-account tokens',
  },
  { name: 'api-audiences', type: 'list', key: 'apiAudiences', default: [], meta: 'AUD,...', help: 'audiences a token must carry (default: the issuer)' },
  { name: 'proxy-client-cert-file', ...file, key: 'proxyClientCertFile', help: 'client certificate the aggregation layer shows extension apiservers' },
  { name: 'proxy-client-key-file', ...file, key: 'proxyClientKeyFile', help: 'its private key' },
  {
    name: 'requestheader-client-ca-file',
    ...file,
    key: 'requestheaderClientCaFile',
    help: 'CA of the proxy client certificate, for extension apiservers to trust X-Remote-* headers',
  },
  { name: 'audit-log-path', ...file, key: 'auditLogPath', help: 'write audit events (JSON lines) here; none: no audit log' },
  { name: 'audit-policy-file', ...file, key: 'auditPolicyFile', help: "audit policy (audit.k8s.io/v1 Policy); none: Skiff's default policy" },
  { name: 'audit-log-maxsize', ...positive, key: 'auditLogMaxsize', default: 100, help: 'megabytes of one audit log file before it is rotated' },
  { name: 'audit-log-maxbackup', ...positive, key: 'auditLogMaxbackup', default: 10, help: 'rotated audit log files kept' },
  { name: 'audit-log-maxage', ...positive, key: 'auditLogMaxage', default: 30, help: 'days a rotated audit log file is kept' },
  {
    name: 'max-requests-inflight',
    ...positive,
    key: 'maxRequestsInflight',
    default: 400,
    help: 'read-only requests served at once; beyond: 429 with Retry-After',
  },
  {
    name: 'max-mutating-requests-inflight',
    ...positive,
    key: 'maxMutatingRequestsInflight',
    default: 200,
    help: 'mutating requests served at once; beyond: 429 with Retry-After',
  },
  {
    name: 'admission-control-config-file',
    ...file,
    key: 'admissionControlConfigFile',
    help: 'AdmissionConfiguration: PodSecurity defaults and exemptions (default: baseline enforced, kube-system exempt)',
  },
  {
    name: 'requestheader-allowed-names',
    type: 'list',
    key: 'requestheaderAllowedNames',
    meta: 'CN,...',
    help: 'CNs extension apiservers accept the proxy client certificate from (empty: any)',
  },
];

export const usage = formatUsage('apiserver', flags);

export class FlagError extends UsageError {
  constructor(message: string) {
    super(message, usage);
  }
}

/** `--flag=value` and `--flag value`; unknown flags, bad values and missing required ones throw FlagError. */
export function parseApiServerFlags(argv: readonly string[], env: Env = process.env): ApiServerConfig {
  return readFlags(flags, argv, (message) => new FlagError(message), env);
}
