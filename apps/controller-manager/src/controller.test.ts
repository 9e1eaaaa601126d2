import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enqueueObject, watch, type EventSource, type KubeObject } from '@skiff/client';
import { createLogger } from '@skiff/log';
import { keyedController, type ControllerContext } from './controller.ts';

function context(workers: Record<string, number>): ControllerContext {
  return { logger: createLogger('controller-test', 'silent'), config: { workers } } as unknown as ControllerContext;
}

/** A synced informer holding three objects: each is told to an add handler at once, as Informer does. */
const threeObjects: EventSource<KubeObject> = {
  hasSynced: () => true,
  onAdd: (handler) => ['a', 'b', 'c'].forEach((name) => handler({ metadata: { name } })),
  onUpdate: () => {},
  onDelete: () => {},
};

test('keyedController syncs every key with the workers --workers asks for', async () => {
  const abort = new AbortController();
  const seen: string[] = [];
  let running = 0;
  let most = 0;
  const controller = keyedController('demo', 1, () => ({
    watches: [watch(threeObjects, enqueueObject())],
    sync: async (key) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      seen.push(key);
      if (seen.length === 3) abort.abort();
    },
  }));
  await controller.run(context({ demo: 3 }), abort.signal);
  assert.deepEqual(seen.sort(), ['a', 'b', 'c']);
  assert.equal(most, 3);
});

test('keyedController returns at once when the declaration says there is nothing to run', async () => {
  const controller = keyedController('idle', 1, () => undefined);
  await controller.run(context({}), new AbortController().signal);
});
