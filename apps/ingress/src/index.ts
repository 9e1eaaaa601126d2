/** The built-in ingress controller (to be written): serves /metrics and /healthz until the signal aborts. */
import { createLogger, createMetricsRegistry, serveMetrics, type Logger } from '@skiff/log';
import type { IngressConfig } from './config.ts';

export type { IngressConfig } from './config.ts';
export { parseIngressFlags, FlagError, usage, INGRESS_CONTROLLER_NAME, DEFAULT_INGRESS_CLASS } from './config.ts';

export interface RunOptions {
  logger?: Logger;
}

export async function run(config: IngressConfig, signal: AbortSignal, opts: RunOptions = {}): Promise<void> {
  const logger = opts.logger ?? createLogger('ingress', config.logLevel);
  const server = config.metricsPort > 0 ? await serveMetrics(createMetricsRegistry('ingress'), config.metricsPort) : undefined;
  logger.info({ node: config.nodeName }, 'ingress controller: not yet written');
  try {
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  } finally {
    await server?.close();
  }
}
