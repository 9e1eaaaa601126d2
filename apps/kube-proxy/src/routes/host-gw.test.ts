import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '@skiff/api';
import { desiredRoutes, normalizeCIDR, parseRouteList, planRouteBatch } from './host-gw.ts';

function node(name: string, ip: string | undefined, podCIDR: string | undefined, extra: Partial<Node['metadata']> = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...extra },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    status: {
      addresses: ip
        ? [
            { type: 'Hostname', address: name },
            { type: 'InternalIP', address: ip },
          ]
        : [],
    },
  } as Node;
}

test('routes every other node with a pod CIDR and InternalIP, never our own', () => {
  const nodes = [
    node('a', '10.0.0.11', '10.244.1.0/24'),
    node('b', '10.0.0.12', '10.244.2.0/24'),
    node('c', '10.0.0.13', '10.244.3.0/24'),
    node('no-cidr', '10.0.0.14', undefined),
    node('no-ip', undefined, '10.244.5.0/24'),
    node('leaving', '10.0.0.16', '10.244.6.0/24', { deletionTimestamp: '2026-01-01T00:00:00Z' }),
  ];
  assert.deepEqual(desiredRoutes(nodes, 'a'), [
    { dst: '10.244.2.0/24', via: '10.0.0.12', node: 'b' },
    { dst: '10.244.3.0/24', via: '10.0.0.13', node: 'c' },
  ]);
});

test('a CIDR claimed by our node or twice is routed once, deterministically', () => {
  const nodes = [
    node('a', '10.0.0.11', '10.244.1.0/24'),
    node('z', '10.0.0.20', '10.244.1.0/24'),
    node('y', '10.0.0.19', '10.244.9.0/24'),
    node('x', '10.0.0.18', '10.244.9.0/24'),
  ];
  assert.deepEqual(desiredRoutes(nodes, 'a'), [{ dst: '10.244.9.0/24', via: '10.0.0.18', node: 'x' }]);
});

test('with the cluster CIDR, only pod ranges inside it are routed', () => {
  const nodes = [
    node('a', '10.0.0.11', '10.244.1.0/24'),
    node('b', '10.0.0.12', '10.244.2.0/24'),
    node('evil', '10.0.0.13', '10.0.0.0/8'),
    node('wide', '10.0.0.14', '10.244.0.0/15'),
  ];
  assert.deepEqual(desiredRoutes(nodes, 'a', '10.244.0.0/16'), [{ dst: '10.244.2.0/24', via: '10.0.0.12', node: 'b' }]);
  assert.equal(desiredRoutes(nodes, 'a').length, 3, 'without it, as before');
});

test('normalizes CIDRs the way ip route prints them', () => {
  assert.equal(normalizeCIDR('10.244.1.7/24'), '10.244.1.0/24');
  assert.equal(normalizeCIDR('10.206.3.0/24'), '10.206.3.0/24');
  assert.equal(normalizeCIDR('172.16.255.255/12'), '172.16.0.0/12');
});

test('parses ip route show output', () => {
  const text = '10.244.2.0/24 via 10.0.0.12 dev eth0 \n10.244.3.0/24 via 10.0.0.13 dev eth0 metric 5\n10.9.9.9 via 10.0.0.1 dev eth0\n';
  assert.deepEqual(parseRouteList(text), [
    { dst: '10.244.2.0/24', via: '10.0.0.12' },
    { dst: '10.244.3.0/24', via: '10.0.0.13' },
    { dst: '10.9.9.9/32', via: '10.0.0.1' },
  ]);
});

test('plans deletes for gone routes, replaces for new or moved, nothing for unchanged', () => {
  const current = [
    { dst: '10.244.2.0/24', via: '10.0.0.12' },
    { dst: '10.244.3.0/24', via: '10.0.0.13' },
    { dst: '10.244.4.0/24', via: '10.0.0.14' },
  ];
  const desired = [
    { dst: '10.244.2.0/24', via: '10.0.0.12' },
    { dst: '10.244.3.0/24', via: '10.0.0.33' },
    { dst: '10.244.5.0/24', via: '10.0.0.15' },
  ];
  assert.deepEqual(planRouteBatch(current, desired), [
    'route del 10.244.4.0/24 proto 211',
    'route replace 10.244.3.0/24 via 10.0.0.33 proto 211',
    'route replace 10.244.5.0/24 via 10.0.0.15 proto 211',
  ]);
  assert.deepEqual(planRouteBatch(desired, desired), []);
});
