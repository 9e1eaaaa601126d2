/**
 * A PodDisruptionBudget over the example app, and the Eviction API it guards (issue #19 §1): with
 * minAvailable 2 over 3 Ready web pods one eviction is allowed (201), the next is refused (429 with
 * Kubernetes' message) until the first pod's replacement is Ready, then allowed again.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Pod } from '@skiff/api';
import { sleep } from '@skiff/client';
import { apiRequest, type ApiResponse } from '../../harness/index.ts';
import { PODS, isPodReady, livePods, waitFor, waitForReadyReplicas } from '../cluster-checks.ts';
import { example, seconds, type DisruptionContext } from './disruption-context.ts';

export const WEB = 'app=web';
export const BUDGET_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";

/** POST pods/<name>/eviction as `kubectl drain` does; the raw answer, so its HTTP status can be asserted. */
export function evict(ctx: DisruptionContext, pod: string, namespace = 'default'): Promise<ApiResponse> {
  const target = { ...ctx.admin, caCert: ctx.admin.caCert ?? '' };
  const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace } };
  return apiRequest(target, 'POST', `/api/v1/namespaces/${namespace}/pods/${pod}/eviction`, { body: eviction });
}

/** Waits until `kubectl get pdb web` shows ALLOWED DISRUPTIONS `allowed`; its output. */
export async function waitForAllowedDisruptions(ctx: DisruptionContext, allowed: number): Promise<string> {
  let out = '';
  await waitFor(
    `pdb web allowing ${allowed} disruption(s)`,
    async () => {
      out = await ctx.kc(['get', 'pdb', 'web']);
      return new RegExp(`^web\\s+2\\s+N/A\\s+${allowed}\\s+\\S+\\s*$`, 'm').test(out) ? undefined : out;
    },
    60_000,
  );
  return out;
}

const readySince = (pod: Pod) => Date.parse(pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime ?? '');

export function registerEvictionSteps(ctx: DisruptionContext): void {
  it('a PodDisruptionBudget of minAvailable 2 over 3 Ready web pods allows 1 disruption, as kubectl get pdb shows', async () => {
    await ctx.kc(['apply', '-f', '-'], example('web.yaml'));
    await ctx.kc(['apply', '-f', '-'], example('pdb.yaml'));
    await waitForReadyReplicas(ctx.client, WEB, 'web', 3);
    const out = await waitForAllowedDisruptions(ctx, 1);
    assert.match(out, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/m, out);
  });

  it('evicts one web pod (201), refuses the next (429) until the replacement is Ready, then evicts it (201)', async () => {
    const pods = await waitForReadyReplicas(ctx.client, WEB, 'web', 3);
    const original = new Set(pods.map((p) => p.metadata!.name!));
    const [first, second] = [...original];
    const started = Date.now();

    const admittedFirst = await evict(ctx, first!);
    assert.equal(admittedFirst.status, 201, admittedFirst.body);
    // Upstream marks the pod before deleting it, so its controller (and the user) can tell why it went.
    const evicted = await ctx.client.get<Pod>(PODS, 'default', first!).catch(() => undefined);
    if (evicted) {
      assert.ok(evicted.metadata?.deletionTimestamp, `${first} is being deleted`);
      const target = evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
      assert.equal(target?.reason, 'EvictionByEvictionAPI', `${first}'s DisruptionTarget condition: ${JSON.stringify(evicted.status?.conditions)}`);
    }

    const refusals: ApiResponse[] = [];
    let admitted: ApiResponse | undefined;
    while (!admitted && Date.now() - started < 120_000) {
      const r = await evict(ctx, second!);
      if (r.status === 429) {
        refusals.push(r);
        await sleep(250);
      } else {
        admitted = r;
      }
    }
    const admittedAt = Date.now();
    assert.ok(admitted, `the eviction of ${second} was still refused after 120 s`);
    assert.equal(admitted.status, 201, admitted.body);
    assert.ok(refusals.length >= 1, `the eviction right after ${first}'s was not refused`);
    assert.equal(refusals[0]!.json?.reason, 'TooManyRequests', refusals[0]!.body);
    assert.equal(refusals[0]!.json?.message, BUDGET_MESSAGE, refusals[0]!.body);
    console.log(`# ${second}: ${refusals.length} evictions refused (429), admitted after ${seconds(started)}`);

    // The budget let the second pod go only once a replacement for the first was Ready
    // (the Ready condition's time has a second's resolution).
    const replacements = (await livePods(ctx.client, WEB)).filter((p) => !original.has(p.metadata!.name!) && isPodReady(p));
    assert.ok(
      replacements.some((p) => readySince(p) <= admittedAt + 1000),
      `no replacement was Ready when ${second}'s eviction was admitted: ${replacements.map((p) => `${p.metadata?.name} ${p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime}`).join(', ')}`,
    );

    await waitForReadyReplicas(ctx.client, WEB, 'web', 3);
    await waitForAllowedDisruptions(ctx, 1);
  });
}
