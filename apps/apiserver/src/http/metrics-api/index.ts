/**
 * metrics.k8s.io/v1beta1 (what `kubectl top` and the HPA read), served by the apiserver itself
 * instead of a metrics-server: a request lists the Nodes or Pods it is about (honouring
 * labelSelector and fieldSelector), asks the kubelets concerned for /stats/summary in parallel
 * (kubelet-summaries.ts) and answers NodeMetrics/PodMetrics built from them (metrics-objects.ts).
 * The kubelets sample continuously, so the figures are as fresh as metrics-server's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findResource, type Node, type NodeList, type Pod, type PodList } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { errors } from '../../errors.ts';
import type { ApiHandlers, ListQuery } from '../../registry/handlers.ts';
import type { KubeletClientConfig } from '../node-proxy/index.ts';
import { sendError, sendJson } from '../respond.ts';
import { createSummaryFetcher } from './kubelet-summaries.ts';
import { METRICS_GROUP_VERSION as GROUP_VERSION, nodeMetrics, podMetrics } from './metrics-objects.ts';

export const METRICS_GROUP = 'metrics.k8s.io';
const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
/** metrics-server's NotFound for an object that exists but has no metrics: podmetrics / nodemetrics. */
const POD_METRICS = { group: METRICS_GROUP, resource: 'podmetrics' };
const NODE_METRICS = { group: METRICS_GROUP, resource: 'nodemetrics' };

export const metricsApiGroup = {
  name: METRICS_GROUP,
  versions: [{ groupVersion: GROUP_VERSION, version: 'v1beta1' }],
  preferredVersion: { groupVersion: GROUP_VERSION, version: 'v1beta1' },
};

export const metricsResourceList = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: GROUP_VERSION,
  resources: [
    { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
  ],
};

function isReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function selectors(url: URL): ListQuery {
  const labelSelector = url.searchParams.get('labelSelector') || undefined;
  const fieldSelector = url.searchParams.get('fieldSelector') || undefined;
  return { ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) };
}

export interface MetricsApiOptions {
  handlers: ApiHandlers;
  kubeletClient?: KubeletClientConfig;
  logger: Logger;
}

export function createMetricsApi(opts: MetricsApiOptions) {
  const { handlers, logger } = opts;
  const fetchSummaries = createSummaryFetcher(opts.kubeletClient, logger);
  const listNodes = async (query: ListQuery) => ((await handlers.list(NODES, undefined, query)) as unknown as NodeList).items;

  /** NodeMetrics of the Ready nodes among `nodes` whose kubelets answered; a node without a CPU rate yet is left out. */
  const metricsOfNodes = async (nodes: Node[]) => {
    const byName = new Map(nodes.map((n) => [n.metadata!.name!, n]));
    const now = new Date().toISOString();
    return (await fetchSummaries(nodes.filter(isReady)))
      .flatMap((s) => {
        const node = byName.get(s.node.nodeName);
        const m = node && nodeMetrics(node, s, now);
        return m ? [m] : [];
      })
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  };

  /** PodMetrics of the running `pods`: only the nodes they run on are asked. */
  const metricsOfPods = async (pods: Pod[]) => {
    const running = pods.filter((p) => p.status?.phase === 'Running' && p.spec?.nodeName);
    const nodeNames = new Set(running.map((p) => p.spec!.nodeName!));
    const nodes = (await listNodes({})).filter((n) => nodeNames.has(n.metadata!.name!));
    return podMetrics(running, await fetchSummaries(nodes.filter(isReady)), new Date().toISOString());
  };

  const serveNodes = async (res: ServerResponse, url: URL, name: string | undefined) => {
    if (name) {
      const node = (await handlers.get(NODES, undefined, name)) as Node;
      const [m] = await metricsOfNodes([node]);
      if (!m) throw errors.notFound(NODE_METRICS, name);
      return sendJson(res, 200, m);
    }
    const items = await metricsOfNodes(await listNodes(selectors(url)));
    sendJson(res, 200, { kind: 'NodeMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items });
  };

  const servePods = async (res: ServerResponse, url: URL, ns: string | undefined, name: string | undefined) => {
    if (name) {
      // A missing pod answers the pods registry's own NotFound, as metrics-server does.
      const pod = (await handlers.get(PODS, ns, name)) as Pod;
      const [m] = await metricsOfPods([pod]);
      if (!m) throw errors.notFound(POD_METRICS, `${ns}/${name}`);
      return sendJson(res, 200, m);
    }
    const pods = ((await handlers.list(PODS, ns, selectors(url))) as unknown as PodList).items;
    // The order the API lists pods in: by namespace, then name.
    pods.sort((a, b) => `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
    sendJson(res, 200, { kind: 'PodMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items: await metricsOfPods(pods) });
  };

  /** Answers /apis/metrics.k8s.io[/v1beta1[/...]] GETs; returns false for other paths. */
  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'https://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'apis' || parts[1] !== METRICS_GROUP) return false;
    try {
      if (req.method !== 'GET') throw errors.methodNotSupported({ group: METRICS_GROUP, resource: parts[3] ?? '' }, req.method?.toLowerCase() ?? '');
      if (parts.length === 2) return (sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...metricsApiGroup }), true);
      if (parts[2] !== 'v1beta1') throw errors.notFound({ group: METRICS_GROUP, resource: '' }, parts[2]!);
      if (parts.length === 3) return (sendJson(res, 200, metricsResourceList), true);
      const rest = parts.slice(3);
      // nodes | nodes/{name} | pods | namespaces/{ns}/pods | namespaces/{ns}/pods/{name}
      if (rest[0] === 'nodes' && rest.length <= 2) return (await serveNodes(res, url, rest[1]), true);
      const ns = rest[0] === 'namespaces' ? rest[1] : undefined;
      const podPath = rest[0] === 'namespaces' ? rest.slice(2) : rest;
      if (podPath[0] === 'pods' && podPath.length <= 2 && (ns || podPath.length === 1)) return (await servePods(res, url, ns, podPath[1]), true);
      throw errors.notFound({ group: METRICS_GROUP, resource: rest[0] ?? '' }, rest.slice(1).join('/'));
    } catch (err) {
      sendError(res, err, logger);
    }
    return true;
  };
}
