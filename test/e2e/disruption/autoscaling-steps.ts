/**
 * HorizontalPodAutoscalers on real load (issue #19 §2): `kubectl autoscale` (upstream and Skiff's),
 * the CPU burner of deploy/examples scaled by deploy/examples/hpa.yaml up to its max one pod per 15 s
 * and back down to its min once the burn stops, and a memory-holding Deployment scaled on average
 * memory. The burner and the memory HPA run at once, so the slow part (the burn) is paid once.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { findResourceByKind, type Deployment, type HorizontalPodAutoscaler } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { waitFor } from '../cluster-checks.ts';
import { example, pollUntilStopped, seconds, type DisruptionContext } from './disruption-context.ts';

const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;
const HPAS = findResourceByKind('autoscaling/v2', 'HorizontalPodAutoscaler')!;

/** Each pod holds ~40 MiB (tail buffering a line that never ends) against a request of 32Mi. */
const MEMORY_HOG = `apiVersion: apps/v1
kind: Deployment
metadata: { name: memory-hog, labels: { app: memory-hog } }
spec:
  replicas: 1
  selector: { matchLabels: { app: memory-hog } }
  template:
    metadata: { labels: { app: memory-hog } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: hog
          image: skiff/busybox:test
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "(head -c 40m /dev/zero; exec sleep 86400) | tail"]
          resources:
            requests: { cpu: 10m, memory: 32Mi }
            limits: { memory: 96Mi }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: memory-hog }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: memory-hog }
  minReplicas: 1
  maxReplicas: 3
  metrics:
    - type: Resource
      resource: { name: memory, target: { type: AverageValue, averageValue: 24Mi } }
`;

/** Records every change of a Deployment's spec.replicas, polled every 250 ms, until stopped. */
function recordReplicas(client: RestClient, name: string): { changes: Array<{ replicas: number; at: number }>; stop(): Promise<void> } {
  const changes: Array<{ replicas: number; at: number }> = [];
  const poll = pollUntilStopped(async () => {
    const replicas = (await client.get<Deployment>(DEPLOYMENTS, 'default', name).catch(() => undefined))?.spec?.replicas;
    if (replicas !== undefined && replicas !== changes.at(-1)?.replicas) changes.push({ replicas, at: Date.now() });
  }, 250);
  return { changes, stop: () => poll.stop() };
}

const replicasOf = async (client: RestClient, name: string) => (await client.get<Deployment>(DEPLOYMENTS, 'default', name)).spec?.replicas;

/** `kubectl get hpa NAME`'s row once its TARGETS column matches `target` (metrics have arrived). */
async function waitForHpaRow(ctx: DisruptionContext, name: string, row: RegExp, timeoutMs = 120_000): Promise<string> {
  let out = '';
  await waitFor(
    `kubectl get hpa ${name} matching ${row}`,
    async () => {
      out = await ctx.kc(['get', 'hpa', name]);
      return row.test(out) ? undefined : out;
    },
    timeoutMs,
    2000,
  );
  return out;
}

export function registerAutoscalingSteps(ctx: DisruptionContext): void {
  let burner: ReturnType<typeof recordReplicas> | undefined;
  let started = 0;

  it('starts the CPU burner with its HPA (deploy/examples) and a memory-holding Deployment with an autoscaling/v2 memory HPA', async () => {
    started = Date.now();
    await ctx.kc(['apply', '-f', '-'], example('cpu-burner.yaml'));
    await ctx.kc(['apply', '-f', '-'], example('hpa.yaml'));
    await ctx.kc(['apply', '-f', '-'], MEMORY_HOG);
    burner = recordReplicas(ctx.client, 'cpu-burner');
    const out = await ctx.kc(['get', 'hpa']);
    assert.match(out, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/m, out);
    assert.match(out, /^cpu-burner\s+Deployment\/cpu-burner\s+cpu: \S+\/50%\s+1\s+3\s+/m, out);
    assert.match(out, /^memory-hog\s+Deployment\/memory-hog\s+memory: \S+\/24Mi\s+1\s+3\s+/m, out);
  });

  it("kubectl autoscale (upstream, then Skiff's) makes an HPA whose TARGETS show the web pods' CPU against 80%", async () => {
    for (const [who, kubectl] of [
      [ctx.bin.name, ctx.kc],
      ['skiff kubectl', ctx.skiffKc],
    ] as const) {
      const out = await kubectl(['autoscale', 'deployment', 'web', '--min=3', '--max=4', '--cpu-percent=80']);
      assert.match(out, /^horizontalpodautoscaler\.autoscaling\/web autoscaled$/m, `${who}: ${out}`);
      const row = await waitForHpaRow(ctx, 'web', /^web\s+Deployment\/web\s+cpu: \d+%\/80%\s+3\s+4\s+3\s+/m);
      console.log(`# ${who} autoscale: ${row.split('\n')[1]}`);
      await ctx.kc(['delete', 'hpa', 'web']);
    }
    assert.equal(await replicasOf(ctx.client, 'web'), 3, 'web idles at its minimum');
  });

  it('scales the CPU burner up to its max of 3, one pod per 15 s (the scaleUp policy)', async () => {
    const utilization: number[] = [];
    await waitFor(
      'cpu-burner at 3 replicas',
      async () => {
        const hpa = await ctx.client.get<HorizontalPodAutoscaler>(HPAS, 'default', 'cpu-burner');
        const current = hpa.status?.currentMetrics?.[0]?.resource?.current.averageUtilization;
        if (current !== undefined && current !== utilization.at(-1)) utilization.push(current);
        const replicas = await replicasOf(ctx.client, 'cpu-burner');
        return replicas === 3 ? undefined : `${replicas} replicas`;
      },
      240_000,
      1000,
    );
    const out = await waitForHpaRow(ctx, 'cpu-burner', /^cpu-burner\s+Deployment\/cpu-burner\s+cpu: \d+%\/50%\s+1\s+3\s+3\s+/m, 30_000);
    console.log(`# cpu-burner at 3 after ${seconds(started)} (cpu utilization seen: ${utilization.join('%, ')}%): ${out.split('\n')[1]}`);
    assert.ok(Math.max(...utilization) > 50, `the burner's utilization never went over the 50% target: ${utilization.join(', ')}`);
  });

  it('scales the memory-holding Deployment up on average memory', async () => {
    await waitFor(
      'memory-hog at 3 replicas',
      async () => {
        const replicas = await replicasOf(ctx.client, 'memory-hog');
        return replicas === 3 ? undefined : `${replicas} replicas`;
      },
      180_000,
      1000,
    );
    const out = await waitForHpaRow(ctx, 'memory-hog', /^memory-hog\s+Deployment\/memory-hog\s+memory: \S+\/24Mi\s+1\s+3\s+3\s+/m, 30_000);
    console.log(`# memory-hog at 3 after ${seconds(started)}: ${out.split('\n')[1]}`);
  });

  it('scales the CPU burner back down to 1 once the burn stops, one step at a time', async () => {
    await waitFor(
      'cpu-burner back at 1 replica',
      async () => {
        const replicas = await replicasOf(ctx.client, 'cpu-burner');
        return replicas === 1 ? undefined : `${replicas} replicas`;
      },
      300_000,
      1000,
    );
    // The recorder polls on its own 250 ms clock: let it see the 1 this loop saw before stopping it.
    await waitFor('the replica recorder to see 1', async () => (burner?.changes.at(-1)?.replicas === 1 ? undefined : 'not yet'), 10_000, 100);
    await burner?.stop();
    const steps = burner?.changes.map((c) => `${c.replicas}@${((c.at - started) / 1000).toFixed(0)}s`).join(' → ');
    console.log(`# cpu-burner replicas: ${steps}`);
    assert.deepEqual(
      burner?.changes.map((c) => c.replicas),
      [1, 2, 3, 2, 1],
      `each step is one pod: ${steps}`,
    );
  });
}
