import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** In a fresh process: load the hooks, then dockerode; report which transport modules got loaded. */
function loadDockerode(withHooks: boolean): { loaded: string[]; sshError: string } {
  const script = `
    ${withHooks ? `await import(${JSON.stringify(new URL('./unused-transports.ts', import.meta.url).href)});` : ''}
    const { createRequire } = await import('node:module');
    const Docker = (await import('dockerode')).default;
    const require = createRequire(import.meta.url);
    const loaded = Object.keys(require.cache).filter((p) => /node_modules\\/(@grpc|ssh2|protobufjs)\\//.test(p)).map((p) => p.replace(/.*node_modules\\//, '').split('/')[0]);
    let sshError = '';
    try { await new Docker({ protocol: 'ssh', host: 'nowhere.invalid' }).ping(); } catch (err) { sshError = err.message; }
    console.log(JSON.stringify({ loaded: [...new Set(loaded)].sort(), sshError }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('.', import.meta.url).pathname, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

it('keeps dockerode from loading gRPC and ssh2, and says so if they are ever used', () => {
  assert.ok(loadDockerode(false).loaded.length > 0, 'without the hooks dockerode loads its transports (else this test proves nothing)');
  const slim = loadDockerode(true);
  assert.deepEqual(slim.loaded, []);
  assert.match(slim.sshError, /ssh2\.Client: not loaded by the kubelet/);
});
