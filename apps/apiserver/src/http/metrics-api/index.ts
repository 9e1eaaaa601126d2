/**
 * metrics.k8s.io/v1beta1 (what `kubectl top` reads), served by the apiserver itself instead of a
 * metrics-server: each request asks every Ready node's kubelet for /stats/summary and turns it into
 * NodeMetrics/PodMetrics (cpu in nanocores "123456n", memory working set in "Ki").
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findResource, type Node, type NodeList } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { errors } from '../../errors.ts';
import type { ApiHandlers } from '../../registry/handlers.ts';
import type { KubeletClientConfig } from '../node-proxy/index.ts';
import { sendError, sendJson } from '../respond.ts';

export const METRICS_GROUP = 'metrics.k8s.io';
const GROUP_VERSION = `${METRICS_GROUP}/v1beta1`;
const NODES = findResource('', 'v1', 'nodes')!;

export const metricsApiGroup = {
  name: METRICS_GROUP,
  versions: [{ groupVersion: GROUP_VERSION, version: 'v1beta1' }],
  preferredVersion: { groupVersion: GROUP_VERSION, version: 'v1beta1' },
};

export const metricsResourceList = {
  kind: 'APIResourceList', apiVersion: 'v1', groupVersion: GROUP_VERSION,
  resources: [
    { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
  ],
};

interface Usage { cpu: string; memory: string }
interface Summary {
  node: { nodeName: string; cpu?: { time: string; usageNanoCores?: number }; memory?: { workingSetBytes?: number } };
  pods: { podRef: { name: string; namespace: string }; containers: { name: string; cpu?: { time: string; usageNanoCores?: number }; memory?: { workingSetBytes?: number } }[] }[];
}

function usage(cpu: number | undefined, memory: number | undefined): Usage {
  return { cpu: `${Math.round(cpu ?? 0)}n`, memory: `${Math.round((memory ?? 0) / 1024)}Ki` };
}

function isReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export interface MetricsApiOptions {
  handlers: ApiHandlers;
  kubeletClient?: KubeletClientConfig;
  logger: Logger;
}

export function createMetricsApi(opts: MetricsApiOptions) {
  const { handlers, logger } = opts;

  const fetchSummary = (node: Node): Promise<Summary | undefined> => new Promise((resolve) => {
    const c = opts.kubeletClient;
    const host = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    if (!c || !host || !port) return resolve(undefined);
    const r = httpsRequest({ host, port, path: '/stats/summary', cert: c.cert, key: c.key, ...(c.ca ? { ca: c.ca } : {}), rejectUnauthorized: c.ca !== undefined, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) as Summary : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    // An unreachable kubelet costs that node's metrics, not the whole answer (as metrics-server).
    r.on('error', (err) => { logger.debug({ node: node.metadata?.name, err: err.message }, 'stats summary failed'); resolve(undefined); });
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.end();
  });

  const summaries = async (): Promise<Summary[]> => {
    const list = (await handlers.list(NODES, undefined, {})) as unknown as NodeList;
    const found = await Promise.all(list.items.filter(isReady).map(fetchSummary));
    return found.filter((s): s is Summary => s !== undefined);
  };

  const nodeMetrics = (s: Summary) => ({
    kind: 'NodeMetrics', apiVersion: GROUP_VERSION,
    metadata: { name: s.node.nodeName, creationTimestamp: new Date().toISOString() },
    timestamp: s.node.cpu?.time ?? new Date().toISOString(), window: '10s',
    usage: usage(s.node.cpu?.usageNanoCores, s.node.memory?.workingSetBytes),
  });
  const podMetrics = (p: Summary['pods'][number]) => ({
    kind: 'PodMetrics', apiVersion: GROUP_VERSION,
    metadata: { name: p.podRef.name, namespace: p.podRef.namespace, creationTimestamp: new Date().toISOString() },
    timestamp: p.containers[0]?.cpu?.time ?? new Date().toISOString(), window: '10s',
    containers: p.containers.map((c) => ({ name: c.name, usage: usage(c.cpu?.usageNanoCores, c.memory?.workingSetBytes) })),
  });

  /** Answers /apis/metrics.k8s.io[/v1beta1[/...]] GETs; returns false for other paths. */
  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'https://x');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'apis' || parts[1] !== METRICS_GROUP) return false;
    try {
      if (req.method !== 'GET') throw errors.methodNotSupported({ group: METRICS_GROUP, resource: parts[3] ?? '' }, req.method?.toLowerCase() ?? '');
      if (parts.length === 2) return sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...metricsApiGroup }), true;
      if (parts[2] !== 'v1beta1') throw errors.notFound({ group: METRICS_GROUP, resource: '' }, parts[2]!);
      if (parts.length === 3) return sendJson(res, 200, metricsResourceList), true;
      const rest = parts.slice(3);
      // nodes | nodes/{name} | pods | namespaces/{ns}/pods | namespaces/{ns}/pods/{name}
      if (rest[0] === 'nodes' && rest.length <= 2) {
        const items = (await summaries()).map(nodeMetrics).filter((m) => !rest[1] || m.metadata.name === rest[1]);
        if (rest[1]) {
          if (!items[0]) throw errors.notFound({ group: METRICS_GROUP, resource: 'nodes' }, rest[1]);
          return sendJson(res, 200, items[0]), true;
        }
        return sendJson(res, 200, { kind: 'NodeMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items }), true;
      }
      const ns = rest[0] === 'namespaces' ? rest[1] : undefined;
      const podPath = rest[0] === 'namespaces' ? rest.slice(2) : rest;
      if (podPath[0] === 'pods' && podPath.length <= 2) {
        const name = podPath[1];
        const selector = url.searchParams.get('labelSelector');
        void selector; // kubectl top pod -l: the filter needs pod labels; every pod is returned (documented gap).
        const items = (await summaries()).flatMap((s) => s.pods)
          .filter((p) => (!ns || p.podRef.namespace === ns) && (!name || p.podRef.name === name))
          .map(podMetrics);
        if (name) {
          if (!items[0]) throw errors.notFound({ group: METRICS_GROUP, resource: 'pods' }, name);
          return sendJson(res, 200, items[0]), true;
        }
        return sendJson(res, 200, { kind: 'PodMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items }), true;
      }
      throw errors.notFound({ group: METRICS_GROUP, resource: rest[0] ?? '' }, rest.slice(1).join('/'));
    } catch (err) {
      sendError(res, err, logger);
    }
    return true;
  };
}
