import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind } from '@skiff/api';
import { InformerFactory } from './informer-factory.ts';
import type { KubeList, KubeObject, ListOptions, WatchEvent, WatchOptions } from './rest-client.ts';

const pods = findResourceByKind('v1', 'Pod')!;
const nodes = findResourceByKind('v1', 'Node')!;

/** Answers every list with one object per resource and keeps watches open until aborted. */
class FakeClient {
  readonly lists: string[] = [];
  listDelayMs = 0;
  async list<T extends KubeObject>(res: { resource: string }, ns?: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    this.lists.push(`${res.resource} ns=${ns ?? ''} label=${opts.labelSelector ?? ''}`);
    if (this.listDelayMs) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.listDelayMs);
        opts.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            reject(new Error('aborted'));
          },
          { once: true },
        );
      });
    }
    const item = { metadata: { name: `${res.resource}-1`, namespace: ns, resourceVersion: '5' } } as T;
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '5' }, items: [item] };
  }
  async *watch<T extends KubeObject>(_res: unknown, _ns?: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    if (!opts.signal?.aborted) await new Promise((resolve) => opts.signal?.addEventListener('abort', resolve, { once: true }));
  }
}

describe('InformerFactory', () => {
  it('shares one informer per resource and scope', () => {
    const factory = new InformerFactory(new FakeClient());
    const a = factory.informerFor(pods);
    assert.equal(factory.informerFor(pods), a);
    assert.equal(factory.informerFor(pods, {}), a, 'absent and empty scope are the same');
    assert.equal(factory.informerFor(pods, { namespace: '', labelSelector: '' }), a);
    const inNs = factory.informerFor(pods, { namespace: 'kube-system' });
    assert.notEqual(inNs, a);
    assert.equal(factory.informerFor(pods, { namespace: 'kube-system' }), inNs);
    assert.notEqual(factory.informerFor(pods, { labelSelector: 'app=x' }), a);
    assert.notEqual(factory.informerFor(pods, { fieldSelector: 'spec.nodeName=n1' }), a);
    assert.notEqual(factory.informerFor(nodes), a);
    assert.equal(factory.size, 5);
  });

  it('lists each shared informer once on start and reports sync', async () => {
    const client = new FakeClient();
    client.listDelayMs = 30;
    const factory = new InformerFactory(client);
    const first = factory.informerFor(pods);
    const second = factory.informerFor(pods);
    factory.informerFor(nodes);
    const seen: string[] = [];
    first.onAdd((o) => seen.push(`first ${o.metadata?.name}`));
    second.onAdd((o) => seen.push(`second ${o.metadata?.name}`));
    const abort = new AbortController();
    try {
      assert.equal(first.hasSynced(), false);
      factory.start(abort.signal);
      assert.equal(await factory.waitForSync(abort.signal), true);
      assert.deepEqual(client.lists.sort(), ['nodes ns= label=', 'pods ns= label=']);
      assert.deepEqual(seen.sort(), ['first pods-1', 'second pods-1']);
      assert.equal(first.get(undefined, 'pods-1')?.kind, 'Pod');

      // Asked for after start: starts at once.
      const late = factory.informerFor(pods, { namespace: 'late' });
      assert.equal(await factory.waitForSync(abort.signal), true);
      assert.equal(late.hasSynced(), true);
      assert.ok(client.lists.includes('pods ns=late label='));
    } finally {
      abort.abort();
    }
  });

  it('waitForSync answers false when the signal aborts before the lists land', async () => {
    const client = new FakeClient();
    client.listDelayMs = 10_000;
    const factory = new InformerFactory(client);
    factory.informerFor(pods);
    const abort = new AbortController();
    factory.start(abort.signal);
    setTimeout(() => abort.abort(), 20);
    assert.equal(await factory.waitForSync(abort.signal), false);
  });
});
