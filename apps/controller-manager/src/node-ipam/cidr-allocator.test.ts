import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrAllocator, formatIpv4, parseCidr, parseIpv4 } from './cidr-allocator.ts';

test('IPv4 helpers round-trip and reject junk', () => {
  assert.equal(formatIpv4(parseIpv4('10.244.255.1')), '10.244.255.1');
  assert.deepEqual(parseCidr('10.244.0.0/16'), { network: parseIpv4('10.244.0.0'), prefix: 16 });
  for (const bad of ['10.244.0.1/16', '10.244.0.0', '10.244.0.0/33', '300.1.1.0/24', 'a.b.c.d/8']) {
    assert.throws(() => parseCidr(bad), /invalid/, bad);
  }
});

test('allocation walks the range in order, skipping occupied subnets', () => {
  const cases: [string, number, string[], string[]][] = [
    ['fresh /16 in /24s', 24, [], ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']],
    ['existing nodes are skipped', 24, ['10.244.0.0/24', '10.244.2.0/24'], ['10.244.1.0/24', '10.244.3.0/24', '10.244.4.0/24']],
    ['/26 subnets', 26, [], ['10.244.0.0/26', '10.244.0.64/26', '10.244.0.128/26']],
  ];
  for (const [why, mask, occupied, want] of cases) {
    const a = new CidrAllocator('10.244.0.0/16', mask);
    for (const c of occupied) assert.equal(a.occupy(c), true, `${why}: occupy ${c}`);
    assert.deepEqual([a.allocateNext(), a.allocateNext(), a.allocateNext()], want, why);
  }
});

test('foreign CIDRs are not ours', () => {
  const a = new CidrAllocator('10.244.0.0/16', 24);
  assert.equal(a.occupy('10.245.0.0/24'), false);
  assert.equal(a.occupy('10.244.0.0/25'), false);
  assert.equal(a.occupy('garbage'), false);
  assert.equal(a.used, 0);
});

test('a full range answers undefined; a release frees one, handed out after the others', () => {
  const a = new CidrAllocator('10.0.0.0/22', 24);
  assert.equal(a.capacity, 4);
  const all = [a.allocateNext(), a.allocateNext(), a.allocateNext(), a.allocateNext()];
  assert.deepEqual(all, ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24']);
  assert.equal(a.allocateNext(), undefined);
  a.release('10.0.1.0/24');
  assert.equal(a.isUsed('10.0.1.0/24'), false);
  assert.equal(a.allocateNext(), '10.0.1.0/24');
  // Round robin: after releasing 0 and 2, the next goes to 2 (after the last handed out), then 0.
  a.release('10.0.0.0/24');
  a.release('10.0.2.0/24');
  assert.equal(a.allocateNext(), '10.0.2.0/24');
  assert.equal(a.allocateNext(), '10.0.0.0/24');
});

test('a mask smaller than the cluster prefix is refused', () => {
  assert.throws(() => new CidrAllocator('10.244.0.0/16', 8), /does not fit/);
});
