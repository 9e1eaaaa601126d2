/** NetworkPolicy enforcement (to be written): serves /metrics and /healthz until the signal aborts. */
import { createLogger, createMetricsRegistry, serveMetrics, type Logger } from '@skiff/log';
import type { NetworkPolicyConfig } from './config.ts';

export type { NetworkPolicyConfig } from './config.ts';
export { parseNetworkPolicyFlags, FlagError, usage } from './config.ts';

export interface RunOptions {
  logger?: Logger;
}

export async function run(config: NetworkPolicyConfig, signal: AbortSignal, opts: RunOptions = {}): Promise<void> {
  const logger = opts.logger ?? createLogger('network-policy', config.logLevel);
  if (config.cleanup) return;
  const server = config.metricsPort > 0 ? await serveMetrics(createMetricsRegistry('network-policy'), config.metricsPort) : undefined;
  logger.info({ node: config.nodeName }, 'network policy: not yet written');
  try {
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  } finally {
    await server?.close();
  }
}
