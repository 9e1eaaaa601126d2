/**
 * The SPDY transport against the real kubectl 1.20 (SPDY only) and the newest kubectl on PATH
 * (which falls back to SPDY when the WebSocket upgrade is not answered as one), through a fake
 * apiserver with a scripted backend: exit codes, stdin, stderr and port-forward as users see them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StreamingBackend } from '../streaming-backend.ts';
import { startFakeKubeApi } from './fake-kube-api.test-support.ts';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const kubectl120 = join(repoRoot, '.tools/kubernetes-client/usr/bin/kubectl');
const executable = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const latest = (process.env.PATH ?? '')
  .split(':')
  .filter(Boolean)
  .map((d) => join(d, 'kubectl'))
  .find((p) => p !== kubectl120 && executable(p));
const binaries = [kubectl120, ...(latest ? [latest] : [])].filter(executable);

const backend: StreamingBackend = {
  async validate() {},
  async exec(req, s) {
    s.stdout?.write(`ran ${req.command?.join(' ')}\n`);
    s.stderr?.write('warned\n');
    if (s.stdin) for await (const chunk of s.stdin) s.stdout?.write(`got:${String(chunk)}`);
    return { exitCode: req.command?.[0] === 'fail' ? 3 : 0 };
  },
  async attach() {
    return { exitCode: 0 };
  },
  async portForward(_req, port) {
    const socket = connect(port === 80 ? (upstream.address() as AddressInfo).port : port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  },
};

let upstream: Server;
let api: Awaited<ReturnType<typeof startFakeKubeApi>>;

before(async () => {
  upstream = createServer((_req, res) => res.end('hello through the tunnel\n'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  api = await startFakeKubeApi(backend);
});
after(async () => {
  await api?.close();
  upstream?.close();
});

function run(bin: string, args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['--kubeconfig', api.kubeconfig, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.stdin.end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('kubectl 1.20 is available for the SPDY tests', () => {
  assert.ok(binaries.includes(kubectl120), `kubectl 1.20 missing at ${kubectl120}: run ./skiff`);
});

for (const bin of binaries) {
  const label = bin === kubectl120 ? 'kubectl-1.20' : 'kubectl-latest';
  test(`${label} exec: output, stderr and the remote exit code`, async () => {
    const ok = await run(bin, ['exec', 'web', '--', 'sh', '-c', 'echo hi']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'ran sh -c echo hi\n');
    assert.match(ok.stderr, /warned/);
    const failed = await run(bin, ['exec', 'web', '--', 'fail']);
    assert.equal(failed.code, 3);
    assert.match(failed.stderr, /command terminated with exit code 3/);
  });

  test(`${label} exec -i: piped stdin reaches the process and its end ends it`, async () => {
    const res = await run(bin, ['exec', '-i', 'web', '--', 'cat'], 'line one\n');
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'ran cat\ngot:line one\n');
  });

  test(`${label} port-forward: a GET on the local port reaches the pod's port; a refused port is reported`, async () => {
    const local = 27400 + 10 + binaries.indexOf(bin) * 2;
    const child = spawn(bin, ['--kubeconfig', api.kubeconfig, 'port-forward', 'pod/web', `${local}:80`, `${local + 1}:9`]);
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.on('data', (c) => (stdout += c));
    try {
      const deadline = Date.now() + 30_000;
      while (!stdout.includes(`Forwarding from 127.0.0.1:${local + 1}`)) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`port-forward did not start: ${stdout} ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const body = await new Promise<string>((resolve, reject) => {
        get(`http://127.0.0.1:${local}/`, (res) => {
          let text = '';
          res.on('data', (c) => (text += c)).on('end', () => resolve(text));
        }).on('error', reject);
      });
      assert.equal(body, 'hello through the tunnel\n');
      await new Promise<void>((resolve) => {
        get(`http://127.0.0.1:${local + 1}/`, () => resolve()).on('error', () => resolve());
      });
      while (!stderr.includes('error forwarding port 9')) {
        if (Date.now() > deadline) assert.fail(`no forwarding error reported: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      child.kill();
    }
  });
}
