import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandResult } from './host-port-iptables.ts';
import { enableHairpinMode } from './hairpin-mode.ts';

test('enableHairpinMode: turns hairpin on for every port of the bridge that has it off, and only those', async () => {
  const calls: string[] = [];
  const ports = [
    { ifname: 'veth1', linkinfo: { info_slave_data: { hairpin: false } } },
    { ifname: 'veth2', linkinfo: { info_slave_data: { hairpin: true } } },
    { ifname: 'gone', linkinfo: { info_slave_data: { hairpin: false } } },
  ];
  const run = async (cmd: string, args: string[]): Promise<CommandResult> => {
    calls.push(`${cmd} ${args.join(' ')}`);
    if (args.includes('show')) return { code: 0, stdout: JSON.stringify(ports), stderr: '' };
    return args.includes('gone') ? { code: 1, stdout: '', stderr: 'Cannot find device "gone"' } : { code: 0, stdout: '', stderr: '' };
  };
  assert.deepEqual(await enableHairpinMode('skiff0', run), ['veth1']);
  assert.deepEqual(calls, [
    'ip -d -j link show master skiff0',
    'ip link set dev veth1 type bridge_slave hairpin on',
    'ip link set dev gone type bridge_slave hairpin on',
  ]);
  const missing = async (): Promise<CommandResult> => ({ code: 1, stdout: '', stderr: 'Device "nope" does not exist.' });
  await assert.rejects(enableHairpinMode('nope', missing), /ip link show master nope failed \(exit 1\): Device "nope" does not exist\./);
});
