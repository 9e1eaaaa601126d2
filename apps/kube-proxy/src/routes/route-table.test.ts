import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandResult } from '../iptables.ts';
import { RouteTable } from './route-table.ts';

/** A fake `ip` holding one route table: answers `route show proto 211`, records batches. */
function fakeIp(routes: string) {
  const calls: { args: string[]; stdin?: string }[] = [];
  const run = async (args: string[], stdin?: string): Promise<CommandResult> => {
    calls.push({ args, stdin });
    if (args.includes('show')) return { code: 0, stdout: routes, stderr: '' };
    if (args.includes('-batch')) return { code: 1, stdout: '', stderr: 'Error: Nexthop has invalid gateway.\nCommand failed -:2' };
    return { code: 0, stdout: '', stderr: '' };
  };
  return { run, calls };
}

test('one batch per sync in the namespace, none when in step; refused lines are reported, not thrown', async () => {
  const ip = fakeIp('10.244.2.0/24 via 10.0.0.12 dev eth0 \n10.244.9.0/24 via 10.0.0.19 dev eth0 \n');
  const table = new RouteTable({ ipNetns: 'k6-x', run: ip.run });
  const result = await table.sync([
    { dst: '10.244.2.0/24', via: '10.0.0.12' },
    { dst: '10.244.3.0/24', via: '10.0.0.13' },
  ]);
  assert.deepEqual(result.lines, ['route del 10.244.9.0/24 proto 211', 'route replace 10.244.3.0/24 via 10.0.0.13 proto 211']);
  assert.match(result.errors, /invalid gateway/);
  const batches = ip.calls.filter((c) => c.args.includes('-batch'));
  assert.equal(batches.length, 1);
  assert.deepEqual(batches[0]!.args, ['-n', 'k6-x', '-force', '-batch', '-']);
  assert.equal(batches[0]!.stdin, result.lines.join('\n') + '\n');

  const steady = fakeIp('10.244.2.0/24 via 10.0.0.12 dev eth0 \n');
  const same = await new RouteTable({ run: steady.run }).sync([{ dst: '10.244.2.0/24', via: '10.0.0.12' }]);
  assert.deepEqual(same, { lines: [], errors: '' });
  assert.equal(steady.calls.filter((c) => c.args.includes('-batch')).length, 0);
});

test('flush deletes by our protocol number only', async () => {
  const ip = fakeIp('');
  await new RouteTable({ run: ip.run }).flush();
  assert.deepEqual(ip.calls[0]!.args, ['-4', 'route', 'flush', 'proto', '211']);
});
