import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiStatusError } from './api-status-error.ts';
import { EventRecorder } from './event-recorder.ts';

interface Call {
  verb: 'create' | 'patch';
  namespace?: string;
  name?: string;
  body: any;
}

/** Records every write; a write can be slowed or failed by the test. */
class FakeClient {
  readonly calls: Call[] = [];
  delayMs = 0;
  failNext: Error | undefined;
  readonly stored = new Set<string>();
  async create(_res: unknown, obj: any, opts: { namespace?: string } = {}): Promise<any> {
    await this.#pause();
    this.calls.push({ verb: 'create', namespace: opts.namespace, name: obj.metadata.name, body: structuredClone(obj) });
    this.#maybeFail();
    this.stored.add(`${opts.namespace}/${obj.metadata.name}`);
    return obj;
  }
  async patch(_res: unknown, namespace: string | undefined, name: string, type: string, patch: any): Promise<any> {
    await this.#pause();
    assert.equal(type, 'merge');
    this.calls.push({ verb: 'patch', namespace, name, body: structuredClone(patch) });
    this.#maybeFail();
    if (!this.stored.has(`${namespace}/${name}`)) throw new ApiStatusError({ code: 404, reason: 'NotFound', message: 'gone' });
    return patch;
  }
  #maybeFail(): void {
    const err = this.failNext;
    this.failNext = undefined;
    if (err) throw err;
  }
  async #pause(): Promise<void> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }
}

const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'shop', uid: 'u1', resourceVersion: '7' } };
const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u2' } };

function recorder(client: FakeClient, clock: { now: number }) {
  return new EventRecorder(client, { component: 'controller-manager', host: 'h1', now: () => clock.now });
}

describe('EventRecorder', () => {
  it('creates a core v1 Event in the object namespace with source and involvedObject', async () => {
    const client = new FakeClient();
    const rec = recorder(client, { now: Date.parse('2026-01-02T03:04:05.678Z') });
    rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: web-abc-x1');
    await rec.flush();
    assert.equal(client.calls.length, 1);
    const { verb, namespace, body } = client.calls[0]!;
    assert.equal(verb, 'create');
    assert.equal(namespace, 'shop');
    assert.equal(body.apiVersion, 'v1');
    assert.equal(body.kind, 'Event');
    assert.equal(body.metadata.namespace, 'shop');
    assert.match(body.metadata.name, /^web-abc\.[0-9a-f]+$/);
    assert.deepEqual(body.involvedObject, { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: 'shop', name: 'web-abc', uid: 'u1', resourceVersion: '7' });
    assert.equal(body.type, 'Normal');
    assert.equal(body.reason, 'SuccessfulCreate');
    assert.equal(body.message, 'Created pod: web-abc-x1');
    assert.deepEqual(body.source, { component: 'controller-manager', host: 'h1' });
    assert.equal(body.count, 1);
    assert.equal(body.firstTimestamp, '2026-01-02T03:04:05Z');
    assert.equal(body.lastTimestamp, '2026-01-02T03:04:05Z');
  });

  it('puts events about cluster-scoped objects in default', async () => {
    const client = new FakeClient();
    const rec = recorder(client, { now: Date.now() });
    rec.event(node, 'Warning', 'NodeNotReady', 'Node n1 status is now: NodeNotReady');
    await rec.flush();
    assert.equal(client.calls[0]!.namespace, 'default');
    assert.equal(client.calls[0]!.body.involvedObject.namespace, undefined);
  });

  it('bumps count and lastTimestamp for repeats within 10 minutes, creates anew after', async () => {
    const client = new FakeClient();
    const clock = { now: Date.parse('2026-01-02T03:00:00Z') };
    const rec = recorder(client, clock);
    rec.event(rs, 'Normal', 'ScalingReplicaSet', 'Scaled up');
    await rec.flush();
    clock.now += 60_000;
    rec.event(rs, 'Normal', 'ScalingReplicaSet', 'Scaled up');
    await rec.flush();
    const created = client.calls[0]!;
    assert.deepEqual(client.calls[1], { verb: 'patch', namespace: 'shop', name: created.name, body: { count: 2, lastTimestamp: '2026-01-02T03:01:00Z' } });

    // A different message is a different event.
    rec.event(rs, 'Normal', 'ScalingReplicaSet', 'Scaled down');
    await rec.flush();
    assert.equal(client.calls[2]!.verb, 'create');
    assert.notEqual(client.calls[2]!.name, created.name);

    // Past the window: a fresh Event with count 1.
    clock.now += 11 * 60_000;
    rec.event(rs, 'Normal', 'ScalingReplicaSet', 'Scaled up');
    await rec.flush();
    assert.equal(client.calls[3]!.verb, 'create');
    assert.equal(client.calls[3]!.body.count, 1);
    assert.notEqual(client.calls[3]!.name, created.name);
  });

  it('coalesces a burst of repeats into one create and one patch', async () => {
    const client = new FakeClient();
    client.delayMs = 20;
    const rec = recorder(client, { now: Date.now() });
    rec.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The create is in flight now; the next nine ride on one follow-up patch.
    for (let i = 0; i < 9; i++) rec.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
    await rec.flush();
    assert.deepEqual(
      client.calls.map((c) => c.verb),
      ['create', 'patch'],
    );
    assert.equal(client.calls[0]!.body.count, 1);
    assert.equal(client.calls[1]!.body.count, 10);
  });

  it('recreates the Event when the server lost it, and never throws on failures', async () => {
    const client = new FakeClient();
    const clock = { now: Date.now() };
    const rec = recorder(client, clock);
    rec.event(rs, 'Normal', 'Killing', 'Stopping');
    await rec.flush();
    client.stored.clear();
    rec.event(rs, 'Normal', 'Killing', 'Stopping');
    await rec.flush();
    assert.deepEqual(
      client.calls.map((c) => c.verb),
      ['create', 'patch', 'create'],
    );
    assert.equal(client.calls[2]!.body.count, 2);

    client.failNext = new Error('connection refused');
    assert.doesNotThrow(() => rec.event(node, 'Normal', 'RegisteredNode', 'registered'));
    await rec.flush();
    assert.doesNotThrow(() => rec.event({ metadata: {} }, 'Normal', 'X', 'no name: ignored'));
    assert.doesNotThrow(() => rec.event({} as never, 'Normal', 'X', 'no metadata: ignored'));
    await rec.flush();
    assert.equal(client.calls.length, 4);
  });

  it('spam-filters an object after a burst of 25, refilling one per 5 minutes', async () => {
    const client = new FakeClient();
    const clock = { now: Date.now() };
    const rec = recorder(client, clock);
    for (let i = 0; i < 30; i++) rec.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: p${i}`);
    await rec.flush();
    assert.equal(client.calls.length, 25);
    // Another object has its own budget.
    rec.event(node, 'Normal', 'RegisteredNode', 'registered');
    await rec.flush();
    assert.equal(client.calls.length, 26);
    clock.now += 5 * 60_000;
    rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: late-1');
    rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: late-2');
    await rec.flush();
    assert.equal(client.calls.length, 27);
    assert.equal(client.calls[26]!.body.message, 'Created pod: late-1');
  });
});
