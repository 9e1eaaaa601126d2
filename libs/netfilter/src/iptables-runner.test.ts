import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IptablesRunner } from './iptables-runner.ts';
import type { CommandResult } from './run-command.ts';

/** Records commands; `exit` decides each one's exit code (default 0). */
function recorder(exit: (cmd: string, args: string[]) => number = () => 0) {
  const calls: string[] = [];
  const run = async (cmd: string, args: string[], stdin?: string): Promise<CommandResult> => {
    calls.push([cmd, ...args].join(' ') + (stdin ? ` <<${stdin}` : ''));
    const code = exit(cmd, args);
    return { code, stdout: code === 0 ? 'out' : '', stderr: code === 0 ? '' : 'iptables: Bad rule.' };
  };
  return { calls, run };
}

const JUMP = { table: 'nat', chain: 'PREROUTING', args: ['-m', 'comment', '--comment', 'skiff x', '-j', 'SKIFFX-TOP'] };

test('IptablesRunner runs inside the namespace, with the binaries given', async () => {
  const { calls, run } = recorder();
  const runner = new IptablesRunner({ ipNetns: 'ns1', run, iptablesSaveBin: 'iptables-legacy-save' });
  assert.equal(await runner.save('nat'), 'out');
  await runner.restore('*nat\nCOMMIT\n');
  assert.deepEqual(calls, ['ip netns exec ns1 iptables-legacy-save -t nat', 'ip netns exec ns1 iptables-restore -w --noflush <<*nat\nCOMMIT\n']);
});

test('IptablesRunner.must throws one format: binary, exit code, stderr, arguments', async () => {
  const runner = new IptablesRunner({ run: recorder(() => 2).run });
  await assert.rejects(runner.restore('x'), { message: 'iptables-restore failed (exit 2): iptables: Bad rule. [-w --noflush]' });
  assert.equal((await runner.iptables(['-S'])).code, 2, 'iptables() resolves for any exit');
});

test('ensureRule inserts only a missing rule; putRuleFirst deletes every copy then inserts at 1', async () => {
  const present = recorder();
  await new IptablesRunner({ run: present.run }).ensureRule(JUMP);
  assert.deepEqual(present.calls, ['iptables -w -t nat -C PREROUTING -m comment --comment skiff x -j SKIFFX-TOP']);

  const missing = recorder((_, args) => (args.includes('-C') ? 1 : 0));
  await new IptablesRunner({ run: missing.run }).ensureRule(JUMP);
  assert.equal(missing.calls[1], 'iptables -w -t nat -I PREROUTING -m comment --comment skiff x -j SKIFFX-TOP');

  const refused = recorder(() => 1);
  await assert.rejects(new IptablesRunner({ run: refused.run }).ensureRule(JUMP), {
    message: 'iptables: insert jump nat/PREROUTING → SKIFFX-TOP: iptables: Bad rule.',
  });

  let copies = 2;
  const first = recorder((_, args) => (args.includes('-D') ? (copies-- > 0 ? 0 : 1) : 0));
  await new IptablesRunner({ run: first.run }).putRuleFirst(JUMP);
  assert.deepEqual(
    first.calls.map((c) => c.split(' ')[4]),
    ['-D', '-D', '-D', '-I'],
  );
  assert.equal(first.calls[3], 'iptables -w -t nat -I PREROUTING 1 -m comment --comment skiff x -j SKIFFX-TOP');
});

test('deleteEveryCopy counts what it deleted and stops even if deletion never fails', async () => {
  let copies = 3;
  assert.equal(await new IptablesRunner({ run: recorder(() => (copies-- > 0 ? 0 : 1)).run }).deleteEveryCopy(JUMP), 3);
  assert.equal(await new IptablesRunner({ run: recorder().run }).deleteEveryCopy(JUMP), 64);
});
