import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind } from '@skiff/api';
import { EventRecorder, InformerFactory, type KubeList, type KubeObject, type RestClient } from '@skiff/client';
import { createLogger, createMetricsRegistry } from '@skiff/log';
import type { ControllerManagerConfig } from './config.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { startControllers } from './controller-manager.ts';

const pods = findResourceByKind('v1', 'Pod')!;

/** Lists one pod; watches stay open until aborted. Counts lists to prove sharing. */
function fakeClient() {
  const calls = { lists: 0 };
  const client = {
    async list<T extends KubeObject>(): Promise<KubeList<T>> {
      calls.lists++;
      return {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: '1' },
        items: [{ metadata: { name: 'p', namespace: 'ns', resourceVersion: '1' } } as T],
      };
    },
    async *watch(_r: unknown, _n?: string, opts: { signal?: AbortSignal } = {}) {
      if (!opts.signal?.aborted) await new Promise((resolve) => opts.signal?.addEventListener('abort', resolve, { once: true }));
    },
  };
  return { client, calls };
}

function context(client: ReturnType<typeof fakeClient>['client'], controllers: string[]): ControllerContext {
  return {
    client: client as unknown as RestClient,
    informers: new InformerFactory(client),
    recorder: new EventRecorder({ create: async (_r: unknown, o: unknown) => o, patch: async () => ({}) } as unknown as RestClient, { component: 'test' }),
    logger: createLogger('cm-unit', 'silent'),
    config: { controllers } as ControllerManagerConfig,
  };
}

function podWatcher(name: string, log: string[]): Controller {
  return {
    name,
    async run(ctx, signal) {
      const informer = ctx.informers.informerFor(pods);
      log.push(`${name} asked (started=${informer.hasSynced()})`);
      if (!(await ctx.informers.waitForSync(signal))) return;
      log.push(`${name} synced ${informer.list().length}`);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    },
  };
}

describe('startControllers', () => {
  it('runs the selected controllers on one shared informer, skips missing factories, flags failures', async () => {
    const { client, calls } = fakeClient();
    const ctx = context(client, ['*', '-off']);
    const log: string[] = [];
    const registry = createMetricsRegistry('cm-unit');
    const abort = new AbortController();
    const running = startControllers(
      {
        ctx,
        known: ['a', 'b', 'off', 'missing', 'broken'],
        factories: {
          a: () => podWatcher('a', log),
          b: () => podWatcher('b', log),
          off: () => podWatcher('off', log),
          broken: () => ({
            name: 'broken',
            run: async () => {
              throw new Error('boom');
            },
          }),
        },
        registry,
      },
      abort.signal,
    );
    assert.deepEqual(running.names, ['a', 'b', 'broken']);
    assert.deepEqual(log, ['a asked (started=false)', 'b asked (started=false)']);
    for (let i = 0; i < 100 && log.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(log.slice(2).sort(), ['a synced 1', 'b synced 1']);
    assert.equal(calls.lists, 1, 'one list for both controllers');
    assert.deepEqual([...running.failed], ['broken']);
    const metrics = await registry.metrics();
    assert.match(metrics, /skiff_controller_running\{controller="a",component="cm-unit"\} 1/);
    assert.match(metrics, /skiff_controller_running\{controller="broken",component="cm-unit"\} 0/);
    abort.abort();
    await running.done;
  });

  it('rejects an unknown name in --controllers', () => {
    const { client } = fakeClient();
    assert.throws(
      () => startControllers({ ctx: context(client, ['typo']), known: ['a'], factories: {} }, new AbortController().signal),
      /unknown controller "typo"/,
    );
  });
});
