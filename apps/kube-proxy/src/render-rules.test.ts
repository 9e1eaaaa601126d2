import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { encodeBase32, endpointChainName, serviceChainName } from './chain-names.ts';
import { renderRules, renderRulesWithChains } from './render-rules.ts';
import type { ProxyEndpoint, ProxyService, ProxyState } from './proxy-state.ts';

// Regenerate with SKIFF_UPDATE_GOLDEN=1 after an intended change, then review the diff.
const update = process.env.SKIFF_UPDATE_GOLDEN === '1';

function assertGolden(name: string, payload: string): void {
  const file = new URL(`./testdata/${name}.rules`, import.meta.url);
  if (update) writeFileSync(file, payload);
  assert.equal(payload, readFileSync(file, 'utf8'), `golden ${name}`);
}

function web(overrides: Partial<ProxyService> = {}): ProxyService {
  return {
    namespace: 'default',
    name: 'web',
    type: 'ClusterIP',
    clusterIP: '10.96.0.10',
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    ...overrides,
  };
}

function ep(ip: string, port = 8080, local = false, ready = true): ProxyEndpoint {
  return { ip, port, ready, local, nodeName: local ? 'node-a' : 'node-b' };
}

function state(services: ProxyService[], endpoints: ProxyState['endpoints'], extra: Partial<ProxyState> = {}): ProxyState {
  return { services, endpoints, nodeAddresses: ['192.168.1.10'], clusterCIDR: '10.244.0.0/16', ...extra };
}

function linesOf(payload: string, pattern: string): string[] {
  return payload.split('\n').filter((l) => l.includes(pattern));
}

test('base32 matches RFC 4648 vectors', () => {
  assert.equal(encodeBase32(new TextEncoder().encode('foobar')), 'MZXW6YTBOI');
  assert.equal(encodeBase32(new TextEncoder().encode('f')), 'MY');
});

test('chain names are 16 hash characters and fit iptables 28-character limit', () => {
  const svc = serviceChainName('default/web:http', 'TCP');
  assert.match(svc, /^SKIFF-SVC-[A-Z2-7]{16}$/);
  assert.ok(svc.length <= 28);
  assert.notEqual(svc, serviceChainName('default/web:http', 'UDP'));
  assert.notEqual(endpointChainName('default/web:http', 'TCP', '10.0.0.1:80'), endpointChainName('default/web:http', 'TCP', '10.0.0.2:80'));
});

test('ClusterIP with three endpoints spreads 1/3, 1/2, then the rest', () => {
  const payload = renderRules(state([web()], { 'default/web:http': [ep('10.244.2.3'), ep('10.244.1.2'), ep('10.244.1.10')] }));
  assertGolden('cluster-ip-three-endpoints', payload);
  const balance = linesOf(payload, `-A ${serviceChainName('default/web:http', 'TCP')} -m comment --comment "default/web:http ->`);
  assert.equal(balance.length, 3);
  assert.match(balance[0]!, /--probability 0\.3333333333 -j SKIFF-SEP-/);
  assert.match(balance[1]!, /--probability 0\.5000000000 -j SKIFF-SEP-/);
  assert.doesNotMatch(balance[2]!, /statistic/);
  // Endpoints are ordered by address, numerically: .1.2 < .1.10 < .2.3.
  assert.ok(balance[0]!.endsWith(endpointChainName('default/web:http', 'TCP', '10.244.1.2:8080')));
  assert.ok(balance[2]!.endsWith(endpointChainName('default/web:http', 'TCP', '10.244.2.3:8080')));
  assert.equal(linesOf(payload, '--to-destination').length, 3);
  assert.equal(linesOf(payload, '! -s 10.244.0.0/16 -d 10.96.0.10/32').length, 1);
});

test('not-ready endpoints are skipped', () => {
  const payload = renderRules(state([web()], { 'default/web:http': [ep('10.244.1.2'), ep('10.244.1.3', 8080, false, false)] }));
  assert.equal(linesOf(payload, '--to-destination').length, 1);
  assert.equal(linesOf(payload, '--probability').length, 0);
});

test('multiple ports including UDP get a chain each', () => {
  const dns = web({
    namespace: 'kube-system',
    name: 'dns',
    ports: [
      { name: 'dns', protocol: 'UDP', port: 53 },
      { name: 'dns-tcp', protocol: 'TCP', port: 53 },
      { name: 'metrics', protocol: 'TCP', port: 9153 },
    ],
  });
  const endpoints = {
    'kube-system/dns:dns': [ep('10.244.1.5', 53), ep('10.244.2.5', 53)],
    'kube-system/dns:dns-tcp': [ep('10.244.1.5', 53), ep('10.244.2.5', 53)],
    'kube-system/dns:metrics': [ep('10.244.1.5', 9153)],
  };
  const payload = renderRules(state([dns], endpoints));
  assertGolden('multi-port-udp', payload);
  assert.equal(linesOf(payload, '-p udp -m udp --dport 53 -j SKIFF-SVC-').length, 1);
  assert.equal(linesOf(payload, '-p tcp -m tcp --dport 53 -j SKIFF-SVC-').length, 1);
  assert.equal(linesOf(payload, ':SKIFF-SVC-').length, 3);
});

test('NodePort jumps on every local address but loopback by default, masquerade', () => {
  const svc = web({ type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }] });
  const payload = renderRules(state([svc], { 'default/web:http': [ep('10.244.1.2'), ep('10.244.2.2')] }, { nodeAddresses: ['192.168.1.10', '10.0.0.5'] }));
  assertGolden('node-port', payload);
  assert.deepEqual(linesOf(payload, '-j SKIFF-NODEPORTS'), [
    '-A SKIFF-SERVICES -m comment --comment "skiff service nodeports; NOTE: this must be the last rule in this chain" ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS',
  ]);
  assert.equal(linesOf(payload, '-A SKIFF-NODEPORTS -m comment --comment "default/web:http" -p tcp -m tcp --dport 30080 -j SKIFF-EXT-').length, 1);
  assert.equal(linesOf(payload, '-A SKIFF-EXT-').filter((l) => l.endsWith('-j SKIFF-MARK-MASQ')).length, 1);
});

test('nodePortAddresses: CIDRs keep the local addresses inside them, primary the InternalIP, loopback never', () => {
  const svc = web({ type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }] });
  const jumps = (nodePortAddresses: string[], nodeAddresses = ['192.168.1.10']) =>
    linesOf(renderRules(state([svc], { 'default/web:http': [ep('10.244.1.2')] }, { nodeAddresses, options: { nodePortAddresses } })), '-j SKIFF-NODEPORTS').map(
      (l) => l.slice(l.indexOf('" ') + 2),
    );
  assert.deepEqual(jumps(['10.0.0.0/8', '192.168.0.0/16']), [
    '-d 10.0.0.0/8 -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS',
    '-d 192.168.0.0/16 -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS',
  ]);
  assert.deepEqual(jumps(['primary']), ['-d 192.168.1.10/32 -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS']);
  assert.deepEqual(jumps(['primary'], []), [], 'no InternalIP known yet: no NodePort answers');
  assert.deepEqual(jumps(['0.0.0.0/0']), ['-d 0.0.0.0/0 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS']);
});

test('LoadBalancer: the status addresses take the service port to the external chain, without --allow-external-ips', () => {
  const svc = web({
    type: 'LoadBalancer',
    loadBalancerIPs: ['10.250.1.12', '10.250.1.11'],
    ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }],
  });
  const payload = renderRules(state([svc], { 'default/web:http': [ep('10.244.1.2'), ep('10.244.2.2')] }));
  assertGolden('load-balancer', payload);
  const ext = linesOf(payload, 'loadbalancer IP"');
  assert.deepEqual(
    ext.map((l) => l.match(/-d (\S+) -p tcp -m tcp --dport (\d+) -j (SKIFF-\w+)/)?.slice(1, 3)),
    [
      ['10.250.1.11/32', '80'],
      ['10.250.1.12/32', '80'],
    ],
  );
  assert.ok(
    ext.every((l) => l.includes('-j SKIFF-EXT-')),
    'Cluster: through the masquerading external chain',
  );
  // No endpoints: refused on the load balancer addresses too.
  const empty = renderRules(state([svc], {}));
  assert.equal(linesOf(empty, 'has no endpoints" -d 10.250.1.11/32 -p tcp -m tcp --dport 80 -j REJECT').length, 1);
});

test('LoadBalancer Local: local endpoints only; without one the load balancer addresses drop', () => {
  const svc = web({
    type: 'LoadBalancer',
    externalTrafficPolicy: 'Local',
    loadBalancerIPs: ['10.250.1.11'],
    healthCheckNodePort: 30099,
    ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }],
  });
  const withLocal = renderRules(state([svc], { 'default/web:http': [ep('10.244.1.2', 8080, true), ep('10.244.2.2')] }));
  assert.equal(linesOf(withLocal, 'loadbalancer IP" -d 10.250.1.11/32 -p tcp -m tcp --dport 80 -j SKIFF-XLB-').length, 1);
  const without = renderRules(state([svc], { 'default/web:http': [ep('10.244.2.2')] }));
  assert.equal(
    linesOf(without, '-A SKIFF-SERVICES -m comment --comment "default/web:http has no local endpoints" -d 10.250.1.11/32 -p tcp -m tcp --dport 80 -j DROP')
      .length,
    1,
  );
});

test('externalTrafficPolicy Local uses only local endpoints and keeps the source', () => {
  const svc = web({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }] });
  const payload = renderRules(state([svc], { 'default/web:http': [ep('10.244.1.2', 8080, true), ep('10.244.2.2')] }));
  assertGolden('local-policy-with-local-endpoint', payload);
  const xlb = linesOf(payload, '-A SKIFF-XLB-');
  const sepJumps = xlb.filter((l) => l.includes('-j SKIFF-SEP-'));
  assert.equal(sepJumps.length, 1);
  assert.ok(sepJumps[0]!.endsWith(endpointChainName('default/web:http', 'TCP', '10.244.1.2:8080')));
  // Only traffic the node itself originates is masqueraded; external clients keep their address.
  assert.deepEqual(
    xlb.filter((l) => l.endsWith('-j SKIFF-MARK-MASQ')).map((l) => l.includes('--src-type LOCAL')),
    [true],
  );
  assert.equal(linesOf(payload, '-j DROP').filter((l) => l.includes('SKIFF-SERVICES')).length, 0);
});

test('externalTrafficPolicy Local without local endpoints drops external traffic', () => {
  const svc = web({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }] });
  const payload = renderRules(state([svc], { 'default/web:http': [ep('10.244.2.2')] }));
  assertGolden('local-policy-without-local-endpoint', payload);
  assert.equal(linesOf(payload, '-A SKIFF-XLB-').filter((l) => l.includes('-j SKIFF-SEP-')).length, 0);
  assert.equal(
    linesOf(
      payload,
      '-A SKIFF-SERVICES -m comment --comment "default/web:http has no local endpoints" -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30080 -j DROP',
    ).length,
    1,
  );
});

test('sessionAffinity ClientIP checks recent clients first and records them', () => {
  const svc = web({ sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 600 });
  const payload = renderRules(state([svc], { 'default/web:http': [ep('10.244.1.2'), ep('10.244.2.2')] }));
  assertGolden('session-affinity', payload);
  const rcheck = linesOf(payload, '--rcheck --seconds 600 --reap');
  assert.equal(rcheck.length, 2);
  for (const l of rcheck) assert.equal(l.match(/--name (\S+)/)?.[1], l.match(/-j (\S+)$/)?.[1]);
  assert.equal(linesOf(payload, '--set -m tcp -j DNAT').length, 2);
});

test('a service port without ready endpoints is rejected in the filter table', () => {
  const svc = web({ type: 'NodePort', externalIPs: ['192.168.1.99'], ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }] });
  const payload = renderRules(state([svc], { 'default/web:http': [ep('10.244.1.2', 8080, false, false)] }, { options: { allowExternalIPs: true } }));
  assertGolden('no-endpoints-reject', payload);
  const rejects = linesOf(payload, '-j REJECT --reject-with icmp-port-unreachable');
  assert.equal(rejects.length, 3);
  assert.ok(rejects.every((l) => l.startsWith('-A SKIFF-SERVICES ')));
  assert.ok(payload.indexOf(rejects[0]!) < payload.indexOf('*nat'), 'REJECT lives in the filter table');
  assert.equal(linesOf(payload, 'SKIFF-SVC-').length, 0);
});

test('headless and ExternalName services render nothing of their own', () => {
  const empty = renderRules(state([], {}));
  const payload = renderRules(
    state([web({ clusterIP: 'None' }), web({ name: 'ext', type: 'ExternalName', clusterIP: undefined })], { 'default/web:http': [ep('10.244.1.2')] }),
  );
  assert.equal(payload, empty);
  assertGolden('empty', payload);
});

test('external IPs are honoured only when allowed', () => {
  const svc = web({ externalIPs: ['192.168.1.99'] });
  const endpoints = { 'default/web:http': [ep('10.244.1.2')] };
  assert.equal(linesOf(renderRules(state([svc], endpoints)), '192.168.1.99').length, 0);
  const allowed = renderRules(state([svc], endpoints, { options: { allowExternalIPs: true } }));
  assert.equal(linesOf(allowed, '-d 192.168.1.99/32 -p tcp -m tcp --dport 80 -j SKIFF-EXT-').length, 1);
});

test('stale chains we owned are flushed and deleted; foreign chains are left alone', () => {
  const endpoints = { 'default/web:http': [ep('10.244.1.2'), ep('10.244.2.2')] };
  const before = renderRulesWithChains(state([web()], endpoints));
  const after = renderRulesWithChains(
    state(
      [web()],
      { 'default/web:http': [ep('10.244.1.2')] },
      { previousChains: { nat: [...before.chains.nat, 'KUBE-SERVICES'], filter: before.chains.filter } },
    ),
  );
  assertGolden('stale-chains', after.payload);
  const gone = endpointChainName('default/web:http', 'TCP', '10.244.2.2:8080');
  assert.ok(before.chains.nat.includes(gone));
  assert.ok(!after.chains.nat.includes(gone));
  assert.deepEqual(linesOf(after.payload, '-X '), [`-X ${gone}`]);
  assert.equal(linesOf(after.payload, `:${gone} - [0:0]`).length, 1, 'declared (flushed) before deletion');
  assert.equal(linesOf(after.payload, 'KUBE-').length, 0);
});

test('rendering is deterministic whatever the input order', () => {
  const a = web();
  const b = web({ name: 'api', clusterIP: '10.96.0.11' });
  const e1 = { 'default/web:http': [ep('10.244.1.2'), ep('10.244.2.2')], 'default/api:http': [ep('10.244.1.7')] };
  const e2 = { 'default/api:http': [ep('10.244.1.7')], 'default/web:http': [ep('10.244.2.2'), ep('10.244.1.2')] };
  assert.equal(renderRules(state([a, b], e1)), renderRules(state([b, a], e2)));
});

test('pod traffic leaving the cluster CIDR is masqueraded; pod-to-pod keeps its source', () => {
  const payload = renderRules(state([], {}));
  const masq = linesOf(payload, '-A SKIFF-POSTROUTING');
  assert.equal(
    masq[0],
    '-A SKIFF-POSTROUTING -s 10.244.0.0/16 ! -d 10.244.0.0/16 -m comment --comment "skiff pod traffic leaving the cluster CIDR" -j MASQUERADE',
  );
  assert.equal(linesOf(payload, '-s 10.244.0.0/16 -d 10.244.0.0/16').length, 0);
  assert.equal(linesOf(payload, '-A SKIFF-FORWARD -s 10.244.0.0/16').length, 1);
  assert.equal(linesOf(payload, '-A SKIFF-FORWARD -d 10.244.0.0/16').length, 1);
  const withoutCIDR = renderRules(state([], {}, { clusterCIDR: undefined }));
  assert.equal(linesOf(withoutCIDR, 'leaving the cluster CIDR').length, 0, 'no cluster CIDR, no pod masquerade');
});
