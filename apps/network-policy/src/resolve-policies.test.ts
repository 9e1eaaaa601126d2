import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, NetworkPolicy, Pod } from '@skiff/api';

type NetworkPolicySpec = NonNullable<NetworkPolicy['spec']>;
import { resolvePolicies } from './resolve-policies.ts';

function pod(
  ns: string,
  name: string,
  ip: string,
  labels: Record<string, string>,
  opts: { node?: string; ports?: { name: string; containerPort: number; protocol?: string }[]; hostNetwork?: boolean; phase?: string } = {},
): Pod {
  return {
    metadata: { namespace: ns, name, labels },
    spec: { nodeName: opts.node ?? 'node-a', hostNetwork: opts.hostNetwork, containers: [{ name: 'c', image: 'x', ports: opts.ports }] },
    status: { podIP: ip, phase: opts.phase ?? 'Running' },
  };
}

function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return { metadata: { name, labels } };
}

function policy(ns: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { metadata: { namespace: ns, name }, spec };
}

const echo = pod(
  'default',
  'echo',
  '10.244.0.10',
  { app: 'echo' },
  {
    ports: [
      { name: 'http', containerPort: 8080 },
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
    ],
  },
);
const client = pod('default', 'client', '10.244.1.5', { app: 'client' }, { node: 'node-b' });
const other = pod('default', 'other', '10.244.2.7', { app: 'other' }, { node: 'node-c' });
const visitor = pod('guests', 'visitor', '10.244.2.9', { app: 'client' }, { node: 'node-c' });
const namespaces = [namespace('default'), namespace('guests', { team: 'guests' })];

function resolve(policies: NetworkPolicy[], pods: Pod[] = [echo, client, other, visitor]) {
  return resolvePolicies({ nodeName: 'node-a', pods, namespaces, policies });
}

test('a pod no policy selects is not isolated', () => {
  assert.deepEqual(resolve([policy('default', 'p', { podSelector: { matchLabels: { app: 'nope' } }, policyTypes: ['Ingress'] })]), []);
  assert.deepEqual(resolve([]), []);
});

test('default deny ingress: selected by an Ingress policy without rules, the pod allows nothing in', () => {
  const plans = resolve([policy('default', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })]);
  assert.deepEqual(plans, [{ pod: 'default/echo', ip: '10.244.0.10', ingress: [{ policy: 'default/deny', allows: [] }] }]);
});

test('policyTypes default to Ingress, plus Egress when egress rules are present', () => {
  const [onlyIngress] = resolve([policy('default', 'p', { podSelector: {}, ingress: [{}] })]);
  assert.equal(onlyIngress!.egress, undefined);
  assert.deepEqual(onlyIngress!.ingress, [{ policy: 'default/p', allows: [{ peers: undefined }] }]);
  const [both] = resolve([policy('default', 'p', { podSelector: {}, egress: [{}] })]);
  assert.deepEqual(both!.ingress, [{ policy: 'default/p', allows: [] }]);
  assert.deepEqual(both!.egress, [{ policy: 'default/p', allows: [{ peers: undefined }] }]);
});

test("a podSelector peer matches pods in the policy's namespace only, on any node", () => {
  const [plan] = resolve([
    policy('default', 'p', { podSelector: { matchLabels: { app: 'echo' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] }),
  ]);
  assert.deepEqual(plan!.ingress![0]!.allows, [{ peers: ['10.244.1.5'] }]);
});

test('a namespaceSelector peer matches every pod there; metadata.name is a label of every namespace', () => {
  const byLabel = resolve([policy('default', 'p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'guests' } } }] }] })]);
  assert.deepEqual(byLabel[0]!.ingress![0]!.allows, [{ peers: ['10.244.2.9'] }]);
  const byName = resolve([
    policy('default', 'p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } } }] }] }),
  ]);
  assert.deepEqual(byName[0]!.ingress![0]!.allows, [{ peers: ['10.244.0.10', '10.244.1.5', '10.244.2.7'] }]);
});

test('namespaceSelector and podSelector in one peer are ANDed; in two peers ORed', () => {
  const and = resolve([
    policy('default', 'p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'client' } } }] }] }),
  ]);
  assert.deepEqual(and[0]!.ingress![0]!.allows, [{ peers: ['10.244.1.5', '10.244.2.9'] }]);
  const or = resolve([
    policy('default', 'p', {
      podSelector: {},
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'guests' } } }, { podSelector: { matchLabels: { app: 'other' } } }] }],
    }),
  ]);
  assert.deepEqual(or[0]!.ingress![0]!.allows, [{ peers: ['10.244.2.7', '10.244.2.9'] }]);
});

test('a rule whose peers match no pod allows nothing (not everything)', () => {
  const [plan] = resolve([policy('default', 'p', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'ghost' } } }] }] })]);
  assert.deepEqual(plan!.ingress, [{ policy: 'default/p', allows: [] }]);
});

test('ipBlock with except becomes the remaining CIDRs; IPv6 blocks are left to others', () => {
  const [plan] = resolve([
    policy('default', 'p', {
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.2.0/23'] } }, { ipBlock: { cidr: 'fd00::/64' } }] }],
    }),
  ]);
  assert.deepEqual(plan!.ingress![0]!.allows, [
    { peers: ['10.244.0.0/23', '10.244.128.0/17', '10.244.16.0/20', '10.244.32.0/19', '10.244.4.0/22', '10.244.64.0/18', '10.244.8.0/21'] },
  ]);
});

test('ports: protocol defaults to TCP, endPort makes a range, no port means every port', () => {
  const [plan] = resolve([
    policy('default', 'p', { podSelector: {}, ingress: [{ ports: [{ port: 80 }, { protocol: 'UDP', port: 5000, endPort: 5010 }, { protocol: 'SCTP' }] }] }),
  ]);
  assert.deepEqual(plan!.ingress![0]!.allows, [
    { peers: undefined, ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 5000, endPort: 5010 }, { protocol: 'SCTP' }] },
  ]);
});

test('ingress named ports resolve on the local pod; a name it lacks allows nothing', () => {
  const [plan] = resolve([
    policy('default', 'p', {
      podSelector: {},
      ingress: [{ ports: [{ port: 'http' }, { port: 'dns', protocol: 'UDP' }, { port: 'dns' }, { port: 'metrics' }] }],
    }),
  ]);
  assert.deepEqual(plan!.ingress![0]!.allows, [
    { peers: undefined, ports: [{ protocol: 'TCP', port: 8080 }] },
    { peers: undefined, ports: [{ protocol: 'UDP', port: 53 }] },
  ]);
  const [none] = resolve([policy('default', 'p', { podSelector: {}, ingress: [{ ports: [{ port: 'metrics' }] }] })]);
  assert.deepEqual(none!.ingress![0]!.allows, []);
});

test('egress named ports resolve on each destination pod', () => {
  const web1 = pod('default', 'web-1', '10.244.1.20', { app: 'web' }, { node: 'node-b', ports: [{ name: 'http', containerPort: 8080 }] });
  const web2 = pod('default', 'web-2', '10.244.2.20', { app: 'web' }, { node: 'node-c', ports: [{ name: 'http', containerPort: 9090 }] });
  const web3 = pod('default', 'web-3', '10.244.2.21', { app: 'web' }, { node: 'node-c' });
  const local = pod('default', 'local', '10.244.0.11', { app: 'local' });
  const plans = resolve(
    [
      policy('default', 'p', {
        podSelector: { matchLabels: { app: 'local' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }, { port: 443 }] }],
      }),
    ],
    [local, web1, web2, web3],
  );
  assert.deepEqual(plans[0]!.egress![0]!.allows, [
    { peers: ['10.244.1.20', '10.244.2.20', '10.244.2.21'], ports: [{ protocol: 'TCP', port: 443 }] },
    { peers: ['10.244.1.20'], ports: [{ protocol: 'TCP', port: 8080 }] },
    { peers: ['10.244.2.20'], ports: [{ protocol: 'TCP', port: 9090 }] },
  ]);
});

test('only pods on this node with a pod-network IP are isolated; hostNetwork and finished pods are not peers', () => {
  const host = pod('default', 'host', '192.168.1.10', { app: 'client' }, { hostNetwork: true });
  const done = pod('default', 'done', '10.244.0.99', { app: 'client' }, { phase: 'Succeeded' });
  const pending = pod('default', 'pending', '', { app: 'echo' });
  const plans = resolve(
    [policy('default', 'p', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] })],
    [echo, client, host, done, pending],
  );
  assert.deepEqual(
    plans.map((p) => p.pod),
    ['default/echo'],
  );
  assert.deepEqual(plans[0]!.ingress![0]!.allows, [{ peers: ['10.244.1.5'] }]);
});

test('policies add up: every policy selecting a pod contributes, sorted by name', () => {
  const plans = resolve([
    policy('default', 'b-allow-client', {
      podSelector: { matchLabels: { app: 'echo' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }],
    }),
    policy('default', 'a-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy('guests', 'elsewhere', { podSelector: {}, policyTypes: ['Ingress'] }),
  ]);
  assert.deepEqual(plans, [
    {
      pod: 'default/echo',
      ip: '10.244.0.10',
      ingress: [
        { policy: 'default/a-deny', allows: [] },
        { policy: 'default/b-allow-client', allows: [{ peers: ['10.244.1.5'] }] },
      ],
      egress: [{ policy: 'default/a-deny', allows: [] }],
    },
  ]);
});

test('an invalid selector selects nothing instead of throwing', () => {
  const bad = { matchExpressions: [{ key: 'app', operator: 'Bogus' }] };
  assert.deepEqual(resolve([policy('default', 'p', { podSelector: bad })]), []);
});
