/**
 * `kubectl drain` that evicts (issue #19 §1): upstream kubectl drains one node holding web pods and
 * Skiff's own kubectl another, while a sampler listing the web pods every 200 ms never sees fewer
 * than the budget's 2 Ready; each node ends cordoned with no web pod left, then is uncordoned.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { findResourceByKind, type Node, type Pod } from '@skiff/api';
import { sleep, type RestClient } from '@skiff/client';
import { isPodReady, livePods, waitForReadyReplicas } from '../cluster-checks.ts';
import { WEB, waitForAllowedDisruptions } from './eviction-steps.ts';
import { seconds, type DisruptionContext } from './disruption-context.ts';

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
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
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
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return seen;
    },
  };
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

type Kubectl = (args: string[], stdin?: string, timeoutMs?: number) => Promise<string>;

async function drainUnderBudget(ctx: DisruptionContext, who: string, kubectl: Kubectl, except: string[]): Promise<string> {
  await waitForReadyReplicas(ctx.client, WEB, 'web', 3);
  await waitForAllowedDisruptions(ctx, 1);
  const { node, pods } = await nodeHoldingWebPods(ctx.client, except);
  const started = Date.now();
  const sampler = sampleReadyPods(ctx.client, WEB);
  const drain = await kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=150s'], undefined, 170_000)
    .catch((err: Error) => err);
  const seen = await sampler.stop();
  if (drain instanceof Error) throw drain;
  const out = drain;
  console.log(`# ${who} drained ${node} (${pods.length} web pods) in ${seconds(started)}; ${seen.samples} samples, fewest Ready ${seen.fewest} at ${seen.fewestAt}`);
  assert.match(out, new RegExp(`^node/${node} drained$`, 'm'), out);
  for (const pod of pods) assert.match(out, new RegExp(`^pod/${pod.metadata!.name} evicted$`, 'm'), out);
  assert.ok(seen.samples >= 10, `only ${seen.samples} samples (errors: ${seen.errors.slice(0, 3).join('; ')})`);
  assert.ok(seen.fewest >= 2, `the drain took web below its budget: ${seen.fewest} Ready at ${seen.fewestAt}`);

  const left = (await livePods(ctx.client, WEB)).filter((p) => p.spec?.nodeName === node);
  assert.deepEqual(left.map((p) => p.metadata?.name), [], `web pods left on ${node}`);
  const cordoned = await ctx.client.get<Node>(NODES, undefined, node);
  assert.equal(cordoned.spec?.unschedulable, true, `${node} stays cordoned after the drain`);
  await kubectl(['uncordon', node]);
  assert.notEqual((await ctx.client.get<Node>(NODES, undefined, node)).spec?.unschedulable, true, `${node} uncordoned`);
  await waitForReadyReplicas(ctx.client, WEB, 'web', 3);
  return node;
}

export function registerDrainSteps(ctx: DisruptionContext): void {
  const drained: string[] = [];

  it('upstream kubectl drain evicts a node\'s web pods, never leaving fewer than 2 Ready', async () => {
    drained.push(await drainUnderBudget(ctx, ctx.bin.name, ctx.kc, drained));
  });

  it('Skiff\'s kubectl drain does the same on another node', async () => {
    drained.push(await drainUnderBudget(ctx, 'skiff kubectl', ctx.skiffKc, drained));
  });
}
