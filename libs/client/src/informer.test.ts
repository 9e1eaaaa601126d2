import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind } from '@skiff/api';
import { ApiStatusError } from './api-status-error.ts';
import { Informer, NODE_NAME_INDEX } from './informer.ts';
import type { KubeList, KubeObject, ListOptions, WatchEvent, WatchOptions } from './rest-client.ts';

const pods = findResourceByKind('v1', 'Pod')!;

function pod(name: string, rv: string, node?: string): KubeObject & { spec: { nodeName?: string } } {
  return { metadata: { namespace: 'ns', name, resourceVersion: rv, uid: `uid-${name}` }, spec: { nodeName: node } };
}

type Step = KubeList<KubeObject> | Error | WatchEvent<KubeObject>[] | 'hang';

/**
 * A scripted server: every list() and watch() consumes the next step. A watch step of
 * events ends the stream normally after them; 'hang' keeps it open until aborted.
 */
class FakeClient {
  readonly steps: Step[];
  readonly calls: string[] = [];
  constructor(steps: Step[]) {
    this.steps = steps;
  }
  async list<T extends KubeObject>(_res: unknown, _ns?: string, _opts?: ListOptions): Promise<KubeList<T>> {
    this.calls.push('list');
    const step = this.steps.shift();
    if (step instanceof Error) throw step;
    if (!step || Array.isArray(step) || step === 'hang') throw new Error(`unexpected list, next step ${JSON.stringify(step)}`);
    return structuredClone(step) as KubeList<T>;
  }
  async *watch<T extends KubeObject>(_res: unknown, _ns?: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    this.calls.push(`watch@${opts.resourceVersion}`);
    const step = this.steps.shift() ?? 'hang';
    if (step instanceof Error) throw step;
    if (step === 'hang') {
      if (!opts.signal?.aborted) await new Promise((resolve) => opts.signal?.addEventListener('abort', resolve, { once: true }));
      return;
    }
    if (!Array.isArray(step)) throw new Error('unexpected watch');
    for (const event of step) yield structuredClone(event) as WatchEvent<T>;
  }
}

const list = (rv: string, items: KubeObject[]): KubeList<KubeObject> => ({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: rv }, items });
const gone = () => new ApiStatusError({ code: 410, reason: 'Expired', message: 'too old resource version' });

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function record(informer: Informer) {
  const events: string[] = [];
  informer.onAdd((o) => events.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`));
  informer.onUpdate((a, b) => events.push(`update ${b.metadata?.name}@${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`));
  informer.onDelete((o) => events.push(`delete ${o.metadata?.name}@${o.metadata?.resourceVersion}`));
  return events;
}

describe('Informer', () => {
  it('lists, syncs, then applies watch events and bookmarks from the list revision', async () => {
    const client = new FakeClient([
      list('10', [pod('a', '5', 'n1'), pod('b', '6')]),
      [
        { type: 'ADDED', object: pod('c', '11', 'n1') },
        { type: 'MODIFIED', object: pod('a', '12', 'n2') },
        { type: 'DELETED', object: pod('b', '13') },
        { type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } },
      ],
    ]);
    const informer = new Informer({ client, resource: pods });
    const events = record(informer);
    informer.start();
    await informer.waitForSync();
    assert.ok(informer.hasSynced());
    await until(() => client.calls.length === 3, 'the re-watch after the first stream');
    await informer.stop();
    assert.deepEqual(events, ['add a@5', 'add b@6', 'add c@11', 'update a@5->12', 'delete b@13']);
    assert.deepEqual(client.calls, ['list', 'watch@10', 'watch@20']);
    assert.equal(informer.lastSyncResourceVersion, '20');
    assert.deepEqual(
      informer.byIndex(NODE_NAME_INDEX, 'n1').map((o) => o.metadata?.name),
      ['c'],
    );
    assert.equal(informer.get('ns', 'a')?.kind, 'Pod', 'list items get their apiVersion/kind back');
    assert.ok(Object.isFrozen(informer.get('ns', 'a')!.metadata));
  });

  it('relists on a 410 ERROR event and delivers deletes for what vanished', async () => {
    const client = new FakeClient([
      list('10', [pod('a', '5'), pod('b', '6'), pod('c', '7')]),
      [{ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'compacted' } }],
      list('30', [pod('a', '5'), pod('c', '25'), pod('d', '26')]),
    ]);
    const informer = new Informer({ client, resource: pods });
    const events = record(informer);
    informer.start();
    await until(() => client.calls.length === 4, 'the watch after the relist');
    await informer.stop();
    assert.deepEqual(client.calls, ['list', 'watch@10', 'list', 'watch@30']);
    assert.deepEqual(events.slice(3), ['delete b@6', 'add d@26', 'update c@7->25']);
    assert.deepEqual(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
      ['a', 'c', 'd'],
    );
  });

  it('relists on a 410 at watch start, backs off on other errors and re-watches from the last revision', async () => {
    const client = new FakeClient([
      new Error('connect ECONNREFUSED'),
      list('10', [pod('a', '5')]),
      new Error('socket hang up'),
      [{ type: 'MODIFIED', object: pod('a', '11') }],
      gone(),
      list('40', []),
    ]);
    const informer = new Informer({ client, resource: pods, initialBackoffMs: 10 });
    const events = record(informer);
    informer.start();
    await until(() => client.calls.length === 7, 'the watch after the relist');
    await informer.stop();
    assert.deepEqual(client.calls, ['list', 'list', 'watch@10', 'watch@10', 'watch@11', 'list', 'watch@40']);
    assert.deepEqual(events, ['add a@5', 'update a@5->11', 'delete a@11']);
  });

  it('resyncs by re-delivering every object as an update to itself', async () => {
    const client = new FakeClient([list('10', [pod('a', '5')])]);
    const informer = new Informer({ client, resource: pods, resyncPeriodMs: 30 });
    const updates: boolean[] = [];
    informer.onUpdate((a, b) => updates.push(a === b));
    informer.start();
    await until(() => updates.length >= 2, 'two resyncs');
    await informer.stop();
    assert.ok(updates.every(Boolean));
  });

  it('tells a late onAdd handler about cached objects, and survives a throwing handler', async () => {
    const client = new FakeClient([list('10', [pod('a', '5'), pod('b', '6')])]);
    const informer = new Informer({ client, resource: pods });
    informer.onAdd(() => {
      throw new Error('handler bug');
    });
    informer.start();
    await informer.waitForSync();
    const late: string[] = [];
    informer.onAdd((o) => late.push(o.metadata!.name!));
    await informer.stop();
    assert.deepEqual(late.sort(), ['a', 'b']);
  });
});
