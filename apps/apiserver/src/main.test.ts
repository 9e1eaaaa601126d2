/**
 * The apiserver as operators run it (`node main.ts --flags`) against a real etcd member,
 * driven by real kubectl binaries (1.32 and Debian's 1.20 when present), then stopped
 * with SIGTERM while a watch is open: it must end the watch and exit 0.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureClusterPki, writeKubeconfig, type ClusterPki } from '@skiff/pki';
import { startTestEtcd, type TestEtcdCluster } from './storage/testing/etcd-process.ts';

const run = promisify(execFile);
const port = 21252;
const mainTs = new URL('./main.ts', import.meta.url).pathname;
// One binary per version: the first candidate that exists on this machine.
const candidates: [string, string][] = [
  ['1.32', '/usr/lib/google-cloud-sdk/bin/kubectl.1.32'],
  ['1.32', '/usr/bin/kubectl'],
  ['1.20', new URL('../../../.tools/kubernetes-client/usr/bin/kubectl', import.meta.url).pathname],
];
const binaries = new Map<string, string>();
for (const [version, path] of candidates) if (!binaries.has(version) && existsSync(path)) binaries.set(version, path);

let dir: string;
let etcd: TestEtcdCluster | undefined;
let pki: ClusterPki;
let server: ChildProcess | undefined;
let exited: Promise<number | null>;
let logs = '';
const kubeconfig = (): string => join(dir, 'kubeconfig');

async function waitReady(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = httpsRequest(`https://127.0.0.1:${port}/readyz`, { ca: pki.caCert, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`apiserver not ready; logs:\n${logs}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-apiserver-main-'));
  etcd = await startTestEtcd(1, 21220);
  pki = await ensureClusterPki(join(dir, 'pki'), { apiServerHosts: ['127.0.0.1'] });
  await writeKubeconfig(kubeconfig(), { server: `https://127.0.0.1:${port}`, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
  server = spawn(
    process.execPath,
    [
      mainTs,
      `--etcd-servers=${etcd.endpoints[0]}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--tls-cert-file=${pki.dir}/apiserver.crt`,
      `--tls-private-key-file=${pki.dir}/apiserver.key`,
      `--client-ca-file=${pki.dir}/ca.crt`,
      `--encryption-key-file=${pki.dir}/encryption.key`,
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout!.on('data', (c: Buffer) => {
    logs += c.toString();
  });
  server.stderr!.on('data', (c: Buffer) => {
    logs += c.toString();
  });
  exited = new Promise((resolve) => server!.once('exit', (code) => resolve(code)));
  await waitReady(20_000);
});

after(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGKILL');
    await exited;
  }
  await etcd?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function kubectl(bin: string, args: string[], input?: string): Promise<string> {
  const child = run(bin, ['--kubeconfig', kubeconfig(), ...args], { timeout: 30_000 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  const { stdout } = await child;
  return stdout;
}

const deployment = (image: string, replicas: number): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "${image}"}]}
`;

test('main.ts rejects unknown flags with usage and exit code 2', async () => {
  await assert.rejects(
    run(process.execPath, [mainTs, '--no-such-flag=1']),
    (err: { code?: number; stderr?: string }) => err.code === 2 && /usage:/.test(err.stderr ?? ''),
  );
});

for (const [version, bin] of binaries) {
  test(`kubectl ${version}: get ns, get pods -A, apply a Deployment, get deploy, delete`, async () => {
    assert.match(await kubectl(bin, ['get', 'ns']), /kube-system\s+Active/);
    await kubectl(bin, ['get', 'pods', '-A']);
    const file = join(dir, `deploy-${version}.yaml`);
    await writeFile(file, deployment('nginx:1.25', 2));
    assert.match(await kubectl(bin, ['apply', '-f', file]), /deployment.apps\/web created/);
    await writeFile(file, deployment('nginx:1.27', 3));
    assert.match(await kubectl(bin, ['apply', '-f', file]), /deployment.apps\/web configured/);
    const wide = await kubectl(bin, ['get', 'deploy', '-o', 'wide']);
    assert.match(wide, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    assert.match(wide, /\nweb\s+0\/3\s+0\s+0\s+\S+\s+nginx\s+nginx:1.27\s+app=web/);
    assert.match(await kubectl(bin, ['get', 'svc', '-A']), /default\s+kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP/);
    assert.match(await kubectl(bin, ['delete', 'deploy', 'web']), /deleted/);
  });
}

test('SIGTERM ends open watches and exits 0', async () => {
  const watchEnded = new Promise<void>((resolve, reject) => {
    const req = httpsRequest(
      `https://127.0.0.1:${port}/api/v1/namespaces?watch=true`,
      { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey, agent: false },
      (res) => {
        assert.equal(res.statusCode, 200);
        res.once('data', () => server!.kill('SIGTERM'));
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
  await watchEnded;
  assert.equal(await exited, 0, logs);
});
