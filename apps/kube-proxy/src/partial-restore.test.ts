import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceChainName } from './chain-names.ts';
import { renderRules, renderRulesWithChains } from './render-rules.ts';
import { parsePayload, partialPayload } from './partial-restore.ts';
import type { ProxyEndpoint, ProxyService, ProxyState } from './proxy-state.ts';

const svc = (name: string, ip: string): ProxyService => ({
  namespace: 'default',
  name,
  type: 'ClusterIP',
  clusterIP: ip,
  ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
});
const ep = (ip: string): ProxyEndpoint => ({ ip, port: 8080, ready: true, local: false });

function state(endpointsB: ProxyEndpoint[], previousChains?: ProxyState['previousChains']): ProxyState {
  return {
    services: [svc('a', '10.96.0.10'), svc('b', '10.96.0.11')],
    endpoints: { 'default/a:http': [ep('10.244.1.2'), ep('10.244.1.3')], 'default/b:http': endpointsB },
    nodeAddresses: ['192.168.1.10'],
    clusterCIDR: '10.244.0.0/16',
    previousChains,
  };
}

test('an unchanged payload needs no restore at all', () => {
  const p = renderRules(state([ep('10.244.2.2')]));
  assert.equal(partialPayload(p, p), '');
});

test("one endpoint changing rewrites only that service's chains and deletes the old endpoint chain", () => {
  const first = renderRulesWithChains(state([ep('10.244.2.2'), ep('10.244.2.3')]));
  const next = renderRules(state([ep('10.244.2.2'), ep('10.244.2.9')], first.chains));
  const partial = partialPayload(first.payload, next);
  const tables = parsePayload(partial);
  assert.deepEqual([...tables.keys()], ['nat'], 'the filter table did not change');
  const nat = tables.get('nat')!;
  const rewritten = [...nat.chains.keys()].filter((c) => !nat.deleted.includes(c));
  // b's service chain (new probabilities/targets) and the new endpoint's chain; a is untouched.
  assert.equal(rewritten.length, 2, partial);
  assert.ok(rewritten.some((c) => c.startsWith('SKIFF-SVC-')));
  assert.ok(rewritten.some((c) => c.startsWith('SKIFF-SEP-')));
  assert.equal(nat.deleted.length, 1, 'the gone endpoint chain is deleted');
  assert.doesNotMatch(partial, /10\.244\.1\.2/, 'service a is not rewritten');
  assert.match(partial, /--to-destination 10\.244\.2\.9:8080/);
});

test('a new chain referenced from a changed chain is declared in the same restore', () => {
  const first = renderRulesWithChains(state([]));
  const partial = partialPayload(first.payload, renderRules(state([ep('10.244.2.2')], first.chains)));
  const nat = parsePayload(partial).get('nat')!;
  assert.ok(nat.chains.has('SKIFF-SERVICES'));
  assert.ok(nat.chains.get('SKIFF-SERVICES')!.some((r) => r.endsWith(`-j ${serviceChainName('default/b:http', 'TCP')}`)));
  assert.ok(nat.chains.has(serviceChainName('default/b:http', 'TCP')), 'the new service chain is declared');
  assert.ok(!nat.chains.has(serviceChainName('default/a:http', 'TCP')), 'the unchanged one is left alone');
});
