import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { parseArgs } from './cli.ts';
import { impersonationOf, runCli } from './run-cli.ts';

test('--as and repeated --as-group are global flags naming whom the client impersonates', () => {
  assert.equal(impersonationOf(parseArgs(['get', 'pods']).flags), undefined);
  assert.deepEqual(impersonationOf(parseArgs(['--as=alice', 'get', 'pods']).flags), { user: 'alice' });
  assert.deepEqual(impersonationOf(parseArgs(['get', 'pods', '--as', 'alice', '--as-group=dev', '--as-group', 'ops']).flags), {
    user: 'alice',
    groups: ['dev', 'ops'],
  });
});

test('groups without a user are refused as kubectl refuses them, before any kubeconfig is read', async () => {
  let stderr = '';
  const err = new Writable({
    write(chunk, _enc, done) {
      stderr += String(chunk);
      done();
    },
  });
  const code = await runCli(['get', 'pods', '--as-group=dev'], { err, out: err, env: { KUBECONFIG: '/nonexistent/kubeconfig' } });
  assert.deepEqual([code, stderr], [1, 'error: requesting uid, groups or user-extra for  without impersonating a user\n']);
});
