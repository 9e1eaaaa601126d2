/**
 * Disruption and autoscaling on a 3-node lab with real containers (issue #19 §4), from the README's
 * examples in deploy/examples: a PodDisruptionBudget over the web app and the Eviction API's 201 and
 * 429, `kubectl drain` (upstream and Skiff's) never taking web below its budget, and
 * HorizontalPodAutoscalers scaling a CPU burner up and back down one pod at a time and a memory
 * holder up. Uses lab slot 3 (cluster.test.ts has 0, networking.test.ts 1, workloads.test.ts 2).
 * Steps build on each other, so they run in order.
 */
import { after, before, describe } from 'node:test';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { kubectlBinaries } from '../harness/index.ts';
import { startLab } from '../harness/lab.ts';
import { disruptionContext, seconds } from './disruption/disruption-context.ts';
import { registerAutoscalingSteps } from './disruption/autoscaling-steps.ts';
import { registerDrainSteps } from './disruption/drain-steps.ts';
import { registerEvictionSteps } from './disruption/eviction-steps.ts';

const runAsRoot = process.getuid?.() === 0;

describe('disruption budgets, drain and autoscaling on a 3-node lab', {
  skip: runAsRoot ? false : 'needs root (netns, iptables, dockerd)',
  timeout: 15 * 60_000,
}, () => {
  const ctx = disruptionContext();

  before(async () => {
    const started = Date.now();
    ctx.lab = await startLab({ nodes: 3, slot: 3 });
    ctx.client = RestClient.fromKubeconfig(ctx.lab.kubeconfigPath, { timeoutMs: 15_000 });
    ctx.admin = loadKubeconfig(ctx.lab.kubeconfigPath);
    ctx.bin = (await kubectlBinaries()).at(-1)!;
    console.log(`# lab up in ${seconds(started)}: ${ctx.lab.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}`);
  });

  after(async () => {
    ctx.client?.close();
    await ctx.lab?.stop();
  });

  registerEvictionSteps(ctx);
  registerDrainSteps(ctx);
  registerAutoscalingSteps(ctx);
});
