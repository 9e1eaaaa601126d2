import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from './logger.ts';
import { runComponents, type ComponentMain } from './component-main.ts';

const logger = createLogger('component-main-test', 'silent');

/** A component that runs until aborted (then returns `code`), or ends by itself after `endAfterMs`. */
function fake(name: string, o: { code?: number; endAfterMs?: number; throws?: boolean; stopped?: string[] } = {}): ComponentMain<{ logLevel?: string }> {
  return {
    component: name,
    parseFlags: () => ({}),
    run: async (_config, signal) => {
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
        if (o.endAfterMs !== undefined) setTimeout(resolve, o.endAfterMs);
      });
      o.stopped?.push(name);
      if (o.throws) throw new Error(`${name} broke`);
      return o.code ?? 0;
    },
  };
}

const part = (main: ComponentMain<{ logLevel?: string }>) => ({ main, config: {}, logger });

describe('runComponents', () => {
  it('stops every component on the signal and exits with the highest code', async () => {
    const stopped: string[] = [];
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 20);
    const outcome = await runComponents([part(fake('a', { stopped })), part(fake('b', { code: 3, stopped }))], abort.signal, { processLogger: logger });
    assert.deepEqual(outcome, { code: 3 });
    assert.deepEqual(stopped.sort(), ['a', 'b']);
  });

  it('one component ending by itself stops the others and fails the process, even with code 0', async () => {
    const stopped: string[] = [];
    const outcome = await runComponents(
      [part(fake('apiserver', { stopped })), part(fake('scheduler', { endAfterMs: 10, stopped })), part(fake('cm', { stopped }))],
      new AbortController().signal,
      { processLogger: logger },
    );
    assert.deepEqual(outcome, { code: 1, failed: { component: 'scheduler', code: 0 } });
    assert.deepEqual(stopped.sort(), ['apiserver', 'cm', 'scheduler']);
  });

  it('a component that throws is a failure with code 1; a stuck one is left after the grace period', async () => {
    const stuck: ComponentMain<{ logLevel?: string }> = { component: 'stuck', parseFlags: () => ({}), run: () => new Promise(() => {}) };
    const started = Date.now();
    const outcome = await runComponents([part(fake('kubelet', { endAfterMs: 5, throws: true })), part(stuck)], new AbortController().signal, {
      processLogger: logger,
      stopGraceMs: 100,
    });
    assert.deepEqual(outcome, { code: 1, failed: { component: 'kubelet', code: 1 } });
    assert.ok(Date.now() - started < 2000);
  });
});
