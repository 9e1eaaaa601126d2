/** What a user would look at, read through the API: pods, endpoints, nodes. */
import { findResourceByKind, type Endpoints, type Node, type Pod } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import assert from 'node:assert/strict';
import { kubectl, type KubectlBinary } from '../harness/index.ts';

export const PODS = findResourceByKind('v1', 'Pod')!;
export const NODES = findResourceByKind('v1', 'Node')!;
export const ENDPOINTS = findResourceByKind('v1', 'Endpoints')!;
export const SERVICES = findResourceByKind('v1', 'Service')!;
export const LEASES = findResourceByKind('coordination.k8s.io/v1', 'Lease')!;

export function isPodReady(pod: Pod): boolean {
  return (
    pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

export function isNodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export async function listPods(client: RestClient, selector: string, namespace = 'default'): Promise<Pod[]> {
  return (await client.list<Pod>(PODS, namespace, { labelSelector: selector })).items;
}

/** Pods not being deleted; terminating ones are what the user sees go away. */
export async function livePods(client: RestClient, selector: string): Promise<Pod[]> {
  return (await listPods(client, selector)).filter((p) => !p.metadata?.deletionTimestamp);
}

/** Polls `check` (returns a description of what is still wrong, or undefined when done) until done. */
export async function waitFor(what: string, check: () => Promise<string | undefined>, timeoutMs = 120_000, intervalMs = 500): Promise<number> {
  const started = Date.now();
  let wrong: string | undefined = 'not checked yet';
  while (Date.now() - started < timeoutMs) {
    try {
      wrong = await check();
    } catch (err) {
      wrong = `error: ${(err as Error).message}`;
    }
    if (wrong === undefined) return (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}: ${wrong}`);
}

/** Waits until exactly `count` pods match, all Ready, and the Service's endpoints list exactly their IPs. */
export async function waitForReadyReplicas(client: RestClient, selector: string, service: string, count: number, timeoutMs = 180_000): Promise<Pod[]> {
  let pods: Pod[] = [];
  await waitFor(
    `${count} ready pods (${selector}) behind service ${service}`,
    async () => {
      pods = await livePods(client, selector);
      const ready = pods.filter(isPodReady);
      if (pods.length !== count || ready.length !== count) return `${pods.length} pods, ${ready.length} ready`;
      const want = ready.map((p) => p.status?.podIP ?? '').sort();
      const ep = await client.get<Endpoints>(ENDPOINTS, 'default', service);
      const got = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
      if (want.join(',') === got.join(',')) return undefined;
      // Enough to tell a controller that never saw the pod change from one whose writes fail.
      const notReady = (ep.subsets ?? []).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort();
      const readySince = ready.map(
        (p) =>
          `${p.metadata?.name}@${p.spec?.nodeName} ${p.status?.podIP} ready since ${p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime}`,
      );
      return `endpoints ${got.join(',') || '(none)'} (not ready: ${notReady.join(',') || 'none'}; resourceVersion ${ep.metadata?.resourceVersion}) != pod IPs ${want.join(',')} [${readySince.join('; ')}]`;
    },
    timeoutMs,
  );
  return pods;
}

/** A kubectl command that must succeed (the test fails with its stderr otherwise); its stdout. */
export async function kubectlOk(bin: KubectlBinary, kubeconfig: string, args: string[], stdin?: string, timeoutMs = 60_000): Promise<string> {
  const r = await kubectl(bin, args, { kubeconfig, stdin, timeoutMs });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
