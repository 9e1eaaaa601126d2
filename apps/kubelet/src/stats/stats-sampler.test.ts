import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@skiff/log';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, type Container } from '../container-runtime.ts';
import type { DockerStats } from './docker-stats.ts';
import { StatsSampler } from './stats-sampler.ts';

const logger = createLogger('test', 'silent');
const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function container(id: string, pod: string, name = 'main'): Container {
  return {
    id,
    podSandboxId: `sb-${pod}`,
    name,
    attempt: 0,
    image: 'busybox',
    imageRef: 'sha256:1',
    state: 'CONTAINER_RUNNING',
    createdAt: T0,
    labels: { [LABEL_CONTAINER_NAME]: name, [LABEL_POD_NAME]: pod, [LABEL_POD_NAMESPACE]: 'default', [LABEL_POD_UID]: `uid-${pod}` },
  };
}

/** A fake engine: each container burns `cores`; the clock moves 5 s per round. */
function fakeEngine(cores: Record<string, number>) {
  let now = T0;
  const calls: { id: string; twoTicks: boolean }[] = [];
  const readStats = async (id: string, twoTicks: boolean): Promise<DockerStats> => {
    calls.push({ id, twoTicks });
    if (!(id in cores)) throw new Error(`No such container: ${id}`);
    const used = (at: number) => Math.round((at - T0) * 1e6 * cores[id]!);
    return {
      read: iso(now),
      cpu_stats: { cpu_usage: { total_usage: used(now) + 1 } },
      ...(twoTicks
        ? { preread: iso(now - 1_000), precpu_stats: { cpu_usage: { total_usage: used(now - 1_000) + 1 } } }
        : { preread: '0001-01-01T00:00:00Z', precpu_stats: { cpu_usage: {} } }),
      memory_stats: { usage: 10_000_000, stats: { total_inactive_file: 4_000_000, total_rss: 5_000_000 } },
    };
  };
  return {
    calls,
    readStats,
    tick: () => {
      now += 5_000;
    },
    now: () => now,
  };
}

describe('StatsSampler', () => {
  it('reads a new container twice over (precpu), so it has a rate after its first round; later rounds one-shot', async () => {
    const engine = fakeEngine({ a: 0.2 });
    const sampler = new StatsSampler({
      logger,
      listRunning: async () => [container('a', 'web')],
      readStats: engine.readStats,
      readHostCpu: () => ({ at: engine.now(), value: (engine.now() - T0) * 1e6 }),
      readHostMemory: () => ({ at: engine.now(), availableBytes: 1, usageBytes: 2, workingSetBytes: 2 }),
    });
    await sampler.sampleOnce(new AbortController().signal);
    const [a] = [...sampler.containers()];
    assert.deepEqual(a!.pod, { name: 'web', namespace: 'default', uid: 'uid-web' });
    assert.equal(a!.cpu.rate(), 200_000_000);
    assert.equal(a!.memory?.workingSetBytes, 6_000_000);
    engine.tick();
    await sampler.sampleOnce(new AbortController().signal);
    assert.deepEqual(
      engine.calls.map((c) => c.twoTicks),
      [true, false],
    );
    assert.equal(a!.cpu.spanMs(), 6_000);
    assert.equal(a!.cpu.rate(), 200_000_000);
    assert.equal(sampler.hostCpu().rate(), 1_000_000_000);
  });

  it('drops containers that stop running and keeps the rest when the runtime cannot list', async () => {
    const engine = fakeEngine({ a: 0.1, b: 0.5 });
    let running = [container('a', 'web'), container('b', 'db')];
    let listFails = false;
    const sampler = new StatsSampler({
      logger,
      readStats: engine.readStats,
      listRunning: async () => {
        if (listFails) throw new Error('connect ENOENT /var/run/docker.sock');
        return running;
      },
    });
    const signal = new AbortController().signal;
    await sampler.sampleOnce(signal);
    assert.deepEqual([...sampler.containers()].map((c) => c.id).sort(), ['a', 'b']);
    running = [container('a', 'web')];
    await sampler.sampleOnce(signal);
    assert.deepEqual(
      [...sampler.containers()].map((c) => c.id),
      ['a'],
    );
    listFails = true;
    await sampler.sampleOnce(signal);
    assert.deepEqual(
      [...sampler.containers()].map((c) => c.id),
      ['a'],
    );
  });

  it('a container whose stats call fails is tried again as new next round', async () => {
    const engine = fakeEngine({});
    const sampler = new StatsSampler({ logger, listRunning: async () => [container('gone', 'web')], readStats: engine.readStats });
    await sampler.sampleOnce(new AbortController().signal);
    await sampler.sampleOnce(new AbortController().signal);
    assert.deepEqual([...sampler.containers()], []);
    assert.deepEqual(
      engine.calls.map((c) => c.twoTicks),
      [true, true],
    );
  });
});
