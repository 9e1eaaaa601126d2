/** The built-in ingress controller's configuration and flags. */
import { formatUsage, kubeconfigFlag, logLevelFlag, metricsPortFlag, readFlags, UsageError, type Env, type FlagSpec } from '@skiff/log';

export interface IngressConfig {
  kubeconfig: string;
  /** This node's Node name (its addresses go into Ingress status). */
  nodeName: string;
  /** Where the HTTP and HTTPS listeners bind; default every address. */
  bindAddress: string;
  /** Plain HTTP listener; 0 = off. */
  httpPort: number;
  /** TLS listener (certificates from the Ingresses' kubernetes.io/tls Secrets, chosen by SNI); 0 = off. */
  httpsPort: number;
  /** The IngressClass whose `spec.controller` names this controller, and which it serves. */
  ingressClass: string;
  /** /metrics and /healthz on 127.0.0.1; 0 = off. */
  metricsPort: number;
  logLevel: string;
}

/** IngressClass `skiff` names this controller in `spec.controller`. */
export const INGRESS_CONTROLLER_NAME = 'skiff.dev/ingress';
export const DEFAULT_INGRESS_CLASS = 'skiff';

const flags: FlagSpec<IngressConfig>[] = [
  kubeconfigFlag,
  { name: 'node-name', type: 'string', key: 'nodeName', default: '', required: true, meta: 'NAME', help: "this node's Node name" },
  { name: 'bind-address', type: 'string', key: 'bindAddress', default: '0.0.0.0', meta: 'IP', help: 'where the HTTP and HTTPS listeners bind' },
  { name: 'http-port', type: 'int', key: 'httpPort', min: 0, max: 65535, default: 80, help: 'the plain HTTP listener; 0 = off' },
  { name: 'https-port', type: 'int', key: 'httpsPort', min: 0, max: 65535, default: 443, help: 'the TLS listener (SNI picks the certificate); 0 = off' },
  { name: 'ingress-class', type: 'string', key: 'ingressClass', default: DEFAULT_INGRESS_CLASS, meta: 'NAME', help: 'the IngressClass this controller serves' },
  metricsPortFlag(10254),
  logLevelFlag,
];

export const usage = formatUsage('ingress', flags);

export class FlagError extends UsageError {
  constructor(message: string) {
    super(message, usage);
  }
}

export function parseIngressFlags(argv: readonly string[], env: Env = process.env): IngressConfig {
  return readFlags(flags, argv, (message) => new FlagError(message), env);
}
