/**
 * `kubectl drain` that evicts (issue #19 §1): upstream kubectl drains a node holding 2 of the 3 web
 * pods and Skiff's own kubectl another, each refused by the budget and retrying, while a sampler
 * listing the web pods every 200 ms never sees fewer than the budget's 2 Ready; each node ends
 * cordoned with no web pod left, then is uncordoned.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { findResourceByKind, type Node, type Pod } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { isPodReady, livePods, waitForReadyReplicas } from '../cluster-checks.ts';
import { BUDGET_MESSAGE, WEB, evict, waitForAllowedDisruptions } from './eviction-steps.ts';
import { pollUntilStopped, seconds, type DisruptionContext, type KubectlFlavour } from './disruption-context.ts';

const NODES = findResourceByKind('v1', 'Node')!;

interface ReadySamples {
  samples: number;
  fewest: number;
  /** When the fewest Ready pods were seen, and which. */
  fewestAt: string;
  errors: string[];
}

/** Lists the selector's pods every `intervalMs` and keeps the fewest Ready seen, until stopped. */
function sampleReadyPods(client: RestClient, selector: string, intervalMs = 200): { stop(): Promise<ReadySamples> } {
  const seen: ReadySamples = { samples: 0, fewest: Number.POSITIVE_INFINITY, fewestAt: '', errors: [] };
  const poll = pollUntilStopped(async () => {
    try {
      const ready = (await livePods(client, selector)).filter(isPodReady);
      seen.samples++;
      if (ready.length < seen.fewest) {
        seen.fewest = ready.length;
        seen.fewestAt = `${new Date().toISOString()}: ${ready.map((p) => `${p.metadata?.name}@${p.spec?.nodeName}`).join(', ')}`;
      }
    } catch (err) {
      seen.errors.push((err as Error).message);
    }
  }, intervalMs);
  return { stop: () => poll.stop().then(() => seen) };
}

/** The node holding the most web pods, leaving out `except`. */
async function nodeHoldingWebPods(client: RestClient, except: string[]): Promise<{ node: string; pods: Pod[] }> {
  const byNode = new Map<string, Pod[]>();
  for (const pod of await livePods(client, WEB)) {
    const node = pod.spec?.nodeName;
    if (!node || except.includes(node)) continue;
    byNode.set(node, [...(byNode.get(node) ?? []), pod]);
  }
  const [node, pods] = [...byNode].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  assert.ok(node && pods, `no web pod on a node other than ${except.join(', ') || '(none)'}`);
  return { node, pods };
}

/**
 * Makes `node` hold 2 web pods, so its drain must wait on the budget: the other nodes are cordoned
 * while one of their web pods is evicted, and its replacement lands on `node`.
 */
async function crowdWebPodsOnto(ctx: DisruptionContext, node: string): Promise<void> {
  const others = ctx.lab.nodes.map((n) => n.name).filter((n) => n !== node);
  for (const other of others) await ctx.kc(['cordon', other]);
  try {
    const victim = (await livePods(ctx.client, WEB)).find((p) => p.spec?.nodeName !== node);
    assert.ok(victim, `every web pod is on ${node}`);
    const r = await evict(ctx, victim.metadata!.name!);
    assert.equal(r.status, 201, r.body);
    const pods = await waitForReadyReplicas(ctx.client, WEB, 'web', 3);
    assert.equal(pods.filter((p) => p.spec?.nodeName === node).length, 2, `the replacement of ${victim.metadata?.name} went to ${node}`);
  } finally {
    for (const other of others) await ctx.kc(['uncordon', other]);
  }
}

/**
 * Drains the node holding the most web pods (2 of the 3, outside `except`) with that kubectl while
 * sampling the Ready web pods; uncordons it after. The node's name.
 */
async function drainUnderBudget(ctx: DisruptionContext, flavour: KubectlFlavour, except: string[]): Promise<string> {
  await waitForReadyReplicas(ctx.client, WEB, 'web', 3);
  await waitForAllowedDisruptions(ctx, 1);
  let { node, pods } = await nodeHoldingWebPods(ctx.client, except);
  if (pods.length < 2) {
    await crowdWebPodsOnto(ctx, node);
    await waitForAllowedDisruptions(ctx, 1);
    ({ node, pods } = await nodeHoldingWebPods(ctx.client, except));
  }
  const started = Date.now();
  const sampler = sampleReadyPods(ctx.client, WEB);
  const drain = await ctx
    .run(flavour, ['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=150s'], undefined, 170_000)
    .catch((err: Error) => err);
  const seen = await sampler.stop();
  if (drain instanceof Error) throw drain;
  console.log(
    `# ${flavour} kubectl drained ${node} (${pods.length} web pods) in ${seconds(started)}; ${seen.samples} samples, fewest Ready ${seen.fewest} at ${seen.fewestAt}`,
  );
  const { code, stdout, stderr } = drain;
  assert.equal(code, 0, `${flavour} kubectl drain ${node} failed: ${stderr}`);
  // kubectl 1.20 (the newest kubectl where no newer one is installed) reuses the pods' printer for its last line: "evicted".
  assert.match(stdout, new RegExp(`^node/${node} (drained|evicted)$`, 'm'), stdout);
  for (const pod of pods) assert.match(stdout, new RegExp(`^pod/${pod.metadata!.name} evicted$`, 'm'), stdout);
  // Two web pods on the node and one disruption allowed: drain was refused once and retried.
  assert.ok(stderr.includes(BUDGET_MESSAGE), `drain never met the budget: ${stderr}`);
  assert.ok(seen.samples >= 10, `only ${seen.samples} samples (errors: ${seen.errors.slice(0, 3).join('; ')})`);
  assert.ok(seen.fewest >= 2, `the drain took web below its budget: ${seen.fewest} Ready at ${seen.fewestAt}`);

  const left = (await livePods(ctx.client, WEB)).filter((p) => p.spec?.nodeName === node);
  assert.deepEqual(
    left.map((p) => p.metadata?.name),
    [],
    `web pods left on ${node}`,
  );
  const cordoned = await ctx.client.get<Node>(NODES, undefined, node);
  assert.equal(cordoned.spec?.unschedulable, true, `${node} stays cordoned after the drain`);
  const uncordon = await ctx.run(flavour, ['uncordon', node]);
  assert.equal(uncordon.code, 0, `${flavour} kubectl uncordon ${node} failed: ${uncordon.stderr}`);
  assert.notEqual((await ctx.client.get<Node>(NODES, undefined, node)).spec?.unschedulable, true, `${node} uncordoned`);
  await waitForReadyReplicas(ctx.client, WEB, 'web', 3);
  return node;
}

export function registerDrainSteps(ctx: DisruptionContext): void {
  const drained: string[] = [];

  it("upstream kubectl drain evicts a node's 2 web pods, retrying while the budget refuses, never leaving fewer than 2 Ready", async () => {
    drained.push(await drainUnderBudget(ctx, 'upstream', drained));
  });

  it("Skiff's kubectl drain does the same on another node", async () => {
    drained.push(await drainUnderBudget(ctx, 'skiff', drained));
  });
}
