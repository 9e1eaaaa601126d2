import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, NetworkPolicy, Pod } from '@skiff/api';
import { createLogger } from '@skiff/log';
import { PolicyEnforcer, type ObjectSource, type RuleApplier } from './enforcer.ts';

/** A source whose handlers the test fires by hand. */
function source<T>(items: T[]): ObjectSource<T> & { fire(): void } {
  const adds: ((obj: T) => void)[] = [];
  return { list: () => items, onAdd: (h) => adds.push(h), onUpdate: () => {}, onDelete: () => {}, fire: () => adds.forEach((h) => h(items[0]!)) };
}

/** Records restores and their start times; each takes `ms`. */
function recordingApplier(ms: number): RuleApplier & { starts: number[]; payloads: string[] } {
  let last: string | undefined;
  const out = {
    starts: [] as number[],
    payloads: [] as string[],
    existingChains: async () => [],
    restore: async (payload: string) => {
      out.starts.push(performance.now());
      await new Promise((r) => setTimeout(r, ms));
      if (payload === last) return false;
      last = payload;
      out.payloads.push(payload);
      return true;
    },
    ensureJumpsFirst: async () => 0,
  };
  return out;
}

const pod: Pod = {
  metadata: { namespace: 'default', name: 'echo', labels: { app: 'echo' } },
  spec: { nodeName: 'n', containers: [] },
  status: { podIP: '10.244.0.10', phase: 'Running' },
};
const deny: NetworkPolicy = { metadata: { namespace: 'default', name: 'deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };

test('requests during a sync coalesce into one more, no sooner than the min period', async () => {
  const pods = source([pod]);
  const policies = source<NetworkPolicy>([deny]);
  const iptables = recordingApplier(50);
  const enforcer = new PolicyEnforcer({
    nodeName: 'n',
    pods,
    namespaces: source<Namespace>([]),
    policies,
    iptables,
    minSyncPeriodMs: 200,
    logger: createLogger('test', 'silent'),
  });
  const stop = new AbortController();
  const running = enforcer.run(stop.signal);
  enforcer.requestSync();
  await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < 10; i++) pods.fire(); // ten changes while the first sync runs
  await new Promise((r) => setTimeout(r, 600));
  stop.abort();
  await running;
  assert.equal(iptables.starts.length, 2, 'one sync, then one for all ten changes');
  // Timers may fire a few ms early against the clock the applier reads.
  assert.ok(iptables.starts[1]! - iptables.starts[0]! >= 185, `second sync ${iptables.starts[1]! - iptables.starts[0]!} ms after the first`);
  assert.equal(iptables.payloads.length, 1, 'the unchanged payload is not restored again');
  assert.match(iptables.payloads[0]!, /default\/echo ingress denied by network policy/);
  assert.equal(enforcer.syncCount, 2);
});
