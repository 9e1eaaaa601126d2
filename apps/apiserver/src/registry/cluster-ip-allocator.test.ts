import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../storage/store.ts';
import { ClusterIpAllocator, formatIpv4, parseCidr, parseIpv4 } from './cluster-ip-allocator.ts';
import { NodePortAllocator, parsePortRange } from './node-port-allocator.ts';

const noStore = {} as Store;

test('IPv4 parse and format round-trip', () => {
  for (const ip of ['0.0.0.0', '10.96.0.1', '10.111.255.254', '255.255.255.255']) assert.equal(formatIpv4(parseIpv4(ip)!), ip);
  for (const bad of ['10.96.0', '10.96.0.256', 'a.b.c.d', '10.96.0.1.2', '']) assert.equal(parseIpv4(bad), undefined);
});

test('CIDR: base is masked, size follows the prefix', () => {
  assert.deepEqual(parseCidr('10.96.0.0/12'), { base: parseIpv4('10.96.0.0'), prefix: 12, size: 2 ** 20 });
  assert.equal(formatIpv4(parseCidr('10.100.3.4/12').base), '10.96.0.0');
  for (const bad of ['10.96.0.0', '10.96.0.0/33', '10.96.0.0/31', 'x/12']) assert.throws(() => parseCidr(bad));
});

test('usable range of 10.96.0.0/12 excludes network and broadcast', () => {
  const a = new ClusterIpAllocator(noStore, '10.96.0.0/12');
  assert.equal(a.range, '10.96.0.0/12');
  assert.equal(a.firstIp, '10.96.0.1');
  assert.equal(a.offsetOf('10.96.0.0'), undefined);
  assert.equal(a.offsetOf('10.96.0.1'), 1);
  assert.equal(a.offsetOf('10.111.255.254'), 2 ** 20 - 2);
  assert.equal(a.offsetOf('10.111.255.255'), undefined);
  assert.equal(a.offsetOf('10.112.0.1'), undefined);
  assert.equal(a.offsetOf('192.168.0.1'), undefined);
});

test('node port range parsing and membership', () => {
  assert.deepEqual(parsePortRange('30000-32767'), { low: 30000, high: 32767 });
  for (const bad of ['30000', '32767-30000', '0-10', '1-70000', 'a-b']) assert.throws(() => parsePortRange(bad));
  const ports = new NodePortAllocator(noStore, '30000-30002');
  assert.equal(ports.contains(29999), false);
  assert.equal(ports.contains(30000), true);
  assert.equal(ports.contains(30002), true);
  assert.equal(ports.contains(30003), false);
  assert.equal(ports.contains(30000.5), false);
});
