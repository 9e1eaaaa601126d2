/** NetworkPolicy enforcement on this node: informers on pods, namespaces and policies; iptables rules kept in sync. */
import { findResourceByKind, type Namespace, type NetworkPolicy, type Pod } from '@skiff/api';
import { followKubeconfigCertificate, InformerFactory, RestClient } from '@skiff/client';
import { createLogger, createMetricsRegistry, serveMetrics, type Logger, type MetricsServer } from '@skiff/log';
import { ensureBridgeHook } from './bridge-hook.ts';
import type { NetworkPolicyConfig } from './config.ts';
import { PolicyEnforcer } from './enforcer.ts';
import { Iptables } from './iptables.ts';
import { createPolicyMetrics } from './metrics.ts';

export type { NetworkPolicyConfig } from './config.ts';
export { parseNetworkPolicyFlags, FlagError, usage } from './config.ts';
export { Iptables, execCommand } from './iptables.ts';
export { PolicyEnforcer, type ObjectSource } from './enforcer.ts';
export { renderRules, type RenderedRules } from './render-rules.ts';
export { resolvePolicies, type PolicyWorld } from './resolve-policies.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const NAMESPACES = findResourceByKind('v1', 'Namespace')!;
const POLICIES = findResourceByKind('networking.k8s.io/v1', 'NetworkPolicy')!;

export interface RunOptions {
  logger?: Logger;
  /** Called after the first sync (the metrics server's port, 0 when off). */
  onReady?: (metricsPort: number) => void;
}

/**
 * With --cleanup, remove our chains and jumps and return; otherwise enforce until the signal
 * aborts. /healthz answers 200 once the first sync applied the rules.
 */
export async function run(config: NetworkPolicyConfig, signal: AbortSignal, opts: RunOptions = {}): Promise<void> {
  const logger = opts.logger ?? createLogger('network-policy', config.logLevel);
  const iptables = new Iptables({ ipNetns: config.ipNetns });
  if (config.cleanup) {
    await iptables.cleanup();
    logger.info({ netns: config.ipNetns }, 'removed every SKIFFNP- chain and jump');
    return;
  }
  const client = RestClient.fromKubeconfig(config.kubeconfig, { userAgent: `skiff-network-policy/${config.nodeName}` });
  // A renewed client certificate in the kubeconfig is taken without a restart.
  signal.addEventListener('abort', followKubeconfigCertificate(config.kubeconfig, client), { once: true });
  const registry = createMetricsRegistry('network-policy');
  const metrics = createPolicyMetrics(registry);
  const factory = new InformerFactory(client, { logger });
  let server: MetricsServer | undefined;
  try {
    const enforcer = new PolicyEnforcer({
      nodeName: config.nodeName,
      pods: factory.informerFor<Pod>(PODS),
      namespaces: factory.informerFor<Namespace>(NAMESPACES),
      policies: factory.informerFor<NetworkPolicy>(POLICIES),
      iptables,
      minSyncPeriodMs: config.minSyncPeriodMs,
      logger,
      metrics,
    });
    await ensureBridgeHook((bin, args) => iptables.run(bin, args), logger);
    if (config.metricsPort > 0) server = await serveMetrics(registry, config.metricsPort, '127.0.0.1', () => enforcer.syncCount > 0);
    factory.start(signal);
    if (!(await factory.waitForSync(signal))) return;
    logger.info({ node: config.nodeName, netns: config.ipNetns }, 'caches synced; enforcing network policies');
    enforcer.requestSync();
    const running = enforcer.run(signal);
    if (opts.onReady) void waitForFirstSync(enforcer, signal).then((ok) => ok && opts.onReady!(server?.port ?? 0));
    await running;
  } finally {
    await server?.close();
    client.close();
  }
}

async function waitForFirstSync(enforcer: PolicyEnforcer, signal: AbortSignal): Promise<boolean> {
  while (enforcer.syncCount === 0 && !signal.aborted) await new Promise((r) => setTimeout(r, 50));
  return !signal.aborted;
}
