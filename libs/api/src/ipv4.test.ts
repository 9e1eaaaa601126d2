import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCidr, parseIpv4, parseIpv4Cidr, subtractCidrs } from './ipv4.ts';

const cidr = (text: string) => parseIpv4Cidr(text)!;
const subtract = (block: string, excepts: string[]) => subtractCidrs(cidr(block), excepts.map(cidr)).map(formatCidr);

test('parses IPv4 addresses and CIDRs, refusing anything else', () => {
  assert.equal(parseIpv4('10.1.2.3'), 10 * 2 ** 24 + 1 * 2 ** 16 + 2 * 2 ** 8 + 3);
  assert.equal(parseIpv4('256.0.0.1'), undefined);
  assert.equal(parseIpv4('fd00::1'), undefined);
  assert.equal(formatCidr(cidr('10.1.2.3/16')), '10.1.0.0/16');
  assert.equal(formatCidr(cidr('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(parseIpv4Cidr('10.0.0.0/33'), undefined);
  assert.equal(parseIpv4Cidr('10.0.0.0'), undefined);
  assert.equal(parseIpv4Cidr('fd00::/64'), undefined);
});

test('a block without excepts inside it is itself', () => {
  assert.deepEqual(subtract('10.0.0.0/8', []), ['10.0.0.0/8']);
  assert.deepEqual(subtract('10.0.0.0/8', ['192.168.0.0/16']), ['10.0.0.0/8']);
});

test('an except covering the block leaves nothing', () => {
  assert.deepEqual(subtract('10.1.0.0/16', ['10.0.0.0/8']), []);
  assert.deepEqual(subtract('10.1.0.0/16', ['10.1.0.0/16']), []);
});

test('10.0.0.0/8 except 10.1.0.0/16 is eight CIDRs, one per bit between the prefixes', () => {
  assert.deepEqual(subtract('10.0.0.0/8', ['10.1.0.0/16']), [
    '10.0.0.0/16',
    '10.2.0.0/15',
    '10.4.0.0/14',
    '10.8.0.0/13',
    '10.16.0.0/12',
    '10.32.0.0/11',
    '10.64.0.0/10',
    '10.128.0.0/9',
  ]);
});

test('several excepts and a single-address hole', () => {
  assert.deepEqual(subtract('192.168.1.0/30', ['192.168.1.1/32']), ['192.168.1.0/32', '192.168.1.2/31']);
  assert.deepEqual(subtract('192.168.1.0/30', ['192.168.1.0/31', '192.168.1.3/32']), ['192.168.1.2/32']);
  assert.deepEqual(subtract('0.0.0.0/0', ['128.0.0.0/1']), ['0.0.0.0/1']);
});
