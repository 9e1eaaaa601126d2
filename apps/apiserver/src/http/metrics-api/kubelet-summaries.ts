/**
 * Asking kubelets for /stats/summary the way metrics-server scrapes them: all nodes at once, each
 * with its own deadline, and a node that fails or does not answer in time is left out (logged)
 * rather than holding up or failing the whole answer. The kubelet answers from memory, so a healthy
 * one replies in milliseconds; the deadline only bounds a hung or unreachable one.
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { Node } from '@skiff/api';
import type { Logger } from '@skiff/log';
import type { KubeletClientConfig } from '../node-proxy/index.ts';

/** How long one kubelet may take (metrics-server's --kubelet-request-timeout is 10 s; ours answer from memory). */
const KUBELET_TIMEOUT_MS = 5_000;
/**
 * A kubelet that failed is not asked again for this long (metrics-server's resolution): with a hung
 * node, only the first `kubectl top` in a window waits out the deadline, the next ones answer at once.
 */
const RETRY_FAILED_AFTER_MS = 15_000;
/** Bodies beyond this are not a summary (110 pods of a few containers take well under 1 MiB). */
const MAX_SUMMARY_BYTES = 16 * 1024 * 1024;

export interface CpuFigure {
  time: string;
  usageNanoCores?: number;
}
export interface MemoryFigure {
  time?: string;
  workingSetBytes?: number;
}

/** The parts of the kubelet's statsapi.Summary that metrics.k8s.io reads. */
export interface Summary {
  node: { nodeName: string; cpu?: CpuFigure; memory?: MemoryFigure };
  pods: {
    podRef: { name: string; namespace: string; uid?: string };
    containers: { name: string; cpu?: CpuFigure; memory?: MemoryFigure }[];
  }[];
}

export function createSummaryFetcher(kubeletClient: KubeletClientConfig | undefined, logger: Logger) {
  // Kept-alive TLS connections: `kubectl top` every few seconds and the HPA every 15 s reuse them.
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  /** Node name → when it may be asked again. */
  const failedUntil = new Map<string, number>();

  const fetchOne = (node: Node): Promise<Summary | undefined> =>
    new Promise((resolve) => {
      const c = kubeletClient;
      const name = node.metadata?.name;
      const host = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
      if (!c || !name || !host || !port || (failedUntil.get(name) ?? 0) > Date.now()) return resolve(undefined);
      const fail = (why: string) => {
        if (!failedUntil.has(name)) logger.warn({ node: name, err: why }, 'metrics: no summary from the kubelet; leaving the node out');
        failedUntil.set(name, Date.now() + RETRY_FAILED_AFTER_MS);
        resolve(undefined);
      };
      const r = httpsRequest(
        {
          host,
          port,
          path: '/stats/summary',
          agent,
          cert: c.cert,
          key: c.key,
          ...(c.ca ? { ca: c.ca } : {}),
          rejectUnauthorized: c.ca !== undefined,
          signal: AbortSignal.timeout(KUBELET_TIMEOUT_MS),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (d: Buffer) => {
            size += d.length;
            if (size > MAX_SUMMARY_BYTES) r.destroy(new Error('summary too large'));
            else chunks.push(d);
          });
          res.on('error', (err) => fail(err.message));
          res.on('end', () => {
            if (res.statusCode !== 200) return fail(`HTTP ${res.statusCode}`);
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Summary);
              if (failedUntil.delete(name)) logger.info({ node: name }, 'metrics: the kubelet answers again');
            } catch (err) {
              fail((err as Error).message);
            }
          });
        },
      );
      r.on('error', (err) => fail(err.message));
      r.end();
    });

  /** The summaries of `nodes` that answered in time, asked in parallel. */
  return async (nodes: Node[]): Promise<Summary[]> => {
    const found = await Promise.all(nodes.map(fetchOne));
    return found.filter((s): s is Summary => s !== undefined);
  };
}
