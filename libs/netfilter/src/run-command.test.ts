import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommand } from './run-command.ts';

test('runCommand feeds stdin and returns what the command printed', async () => {
  assert.deepEqual(await runCommand('cat', [], 'one\ntwo\n'), { code: 0, stdout: 'one\ntwo\n', stderr: '' });
});

test('runCommand resolves for a non-zero exit with its code and stderr; no shell reads the arguments', async () => {
  const r = await runCommand(process.execPath, ['-e', 'process.stderr.write(process.argv[1]); process.exit(3)', '$(echo no) ; *']);
  assert.deepEqual(r, { code: 3, stdout: '', stderr: '$(echo no) ; *' });
});

test('runCommand keeps every byte of a large output (iptables-save of a big node runs to tens of MB)', async () => {
  const r = await runCommand(process.execPath, ['-e', 'process.stdout.write("x".repeat(80 * 1024 * 1024))']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.length, 80 * 1024 * 1024);
});

test('runCommand rejects when the binary is missing, and kills a command past its timeout (128 + SIGKILL)', async () => {
  await assert.rejects(runCommand('skiff-no-such-binary', []), /skiff-no-such-binary: spawn skiff-no-such-binary ENOENT/);
  const started = performance.now();
  const r = await runCommand('sleep', ['10'], undefined, { timeoutMs: 100 });
  assert.equal(r.code, 137);
  assert.ok(performance.now() - started < 5000);
});
