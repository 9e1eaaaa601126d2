import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { toContainerSecurity, toLinuxResources } from './container-config.ts';
import { getPodDns } from './pod-dns.ts';

test('resources: shares from requests, quota from limits over 100 ms, memory limit in bytes', () => {
  assert.deepEqual(toLinuxResources({ name: 'a', resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '64Mi' } } }),
    { cpuShares: 256, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitInBytes: 64 * 1024 * 1024 });
  // The request defaults to the limit; no resources at all → the minimum shares.
  assert.equal(toLinuxResources({ name: 'a', resources: { limits: { cpu: '1' } } }).cpuShares, 1024);
  assert.deepEqual(toLinuxResources({ name: 'a' }), { cpuShares: 2 });
});

test('security: container settings over the pod\'s', () => {
  const pod: Pod = { spec: { securityContext: { runAsUser: 1000 }, containers: [] } };
  assert.deepEqual(toContainerSecurity(pod, { name: 'a' }), { runAsUser: 1000 });
  assert.deepEqual(toContainerSecurity(pod, { name: 'a', securityContext: { runAsUser: 0, readOnlyRootFilesystem: true, privileged: true } }),
    { runAsUser: 0, readOnlyRootFilesystem: true, privileged: true });
});

test('DNS: ClusterFirst, hostNetwork fallback, ClusterFirstWithHostNet, None with dnsConfig', () => {
  const settings = { clusterDns: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: 'nameserver 1.1.1.1\nsearch corp.example\n' };
  const pod = (spec: Partial<NonNullable<Pod['spec']>>): Pod => ({ metadata: { namespace: 'shop' }, spec: { containers: [], ...spec } });
  assert.deepEqual(getPodDns(pod({}), settings), {
    servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: ['ndots:5'],
  });
  assert.equal(getPodDns(pod({ hostNetwork: true }), settings), undefined, 'Default: the runtime keeps the node\'s file');
  assert.deepEqual(getPodDns(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), settings)?.servers, ['10.96.0.10']);
  assert.deepEqual(getPodDns(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), settings),
    { servers: ['9.9.9.9'], searches: ['a.b'], options: ['ndots:2', 'edns0'] });
  assert.deepEqual(getPodDns(pod({ dnsConfig: { options: [{ name: 'ndots', value: '1' }] } }), settings)?.options, ['ndots:1']);
});
