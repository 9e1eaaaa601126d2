/**
 * Disruption and autoscaling on a 3-node lab with real containers (issue #19 §4), from the README's
 * examples in deploy/examples: a PodDisruptionBudget over the web app and the Eviction API's 201 and
 * 429, `kubectl drain` (upstream and Skiff's) never taking web below its budget, and
 * HorizontalPodAutoscalers scaling a CPU burner up and back down one pod at a time and a memory
 * holder up. Uses lab slot 3 (cluster.test.ts has 0, networking.test.ts 1, workloads.test.ts 2).
 * Steps build on each other, so they run in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { join } from 'node:path';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { kubectl, kubectlBinaries, REPO_ROOT } from '../harness/index.ts';
import { startLab } from '../harness/lab.ts';
import { kubectlOk } from './cluster-checks.ts';
import { emptyDisruptionContext, seconds } from './disruption/disruption-context.ts';
import { registerAutoscalingSteps } from './disruption/autoscaling-steps.ts';
import { registerDrainSteps } from './disruption/drain-steps.ts';
import { registerEvictionSteps } from './disruption/eviction-steps.ts';

const runAsRoot = process.getuid?.() === 0;
const SKIFF_KUBECTL = join(REPO_ROOT, 'apps/kubectl/src/main.ts');

describe('disruption budgets, drain and autoscaling on a 3-node lab', { skip: runAsRoot ? false : 'needs root (netns, iptables, dockerd)', timeout: 15 * 60_000 }, () => {
  const ctx = emptyDisruptionContext();

  before(async () => {
    const started = Date.now();
    ctx.lab = await startLab({ nodes: 3, slot: 3 });
    ctx.client = RestClient.fromKubeconfig(ctx.lab.kubeconfigPath, { timeoutMs: 15_000 });
    ctx.admin = loadKubeconfig(ctx.lab.kubeconfigPath);
    ctx.bin = (await kubectlBinaries()).at(-1)!;
    ctx.kc = (args, stdin, timeoutMs) => kubectlOk(ctx.bin, ctx.lab.kubeconfigPath, args, stdin, timeoutMs);
    // Skiff's own kubectl, as `./skiff kubectl` runs it.
    ctx.skiffKc = async (args, stdin, timeoutMs) => {
      const r = await kubectl(process.execPath, [SKIFF_KUBECTL, ...args], { kubeconfig: ctx.lab.kubeconfigPath, stdin, timeoutMs });
      assert.equal(r.code, 0, `skiff kubectl ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };
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
