/**
 * Skiff's own kubectl cp, attach and proxy against a real Docker kubelet behind the apiserver:
 * files and directories copied into a pod and back (same bytes), kubectl's errors for a missing
 * file and pod, attach streaming the container's output, and proxy serving a list, a watch and
 * refusing exec.
 *
 * Ports 23100-23101 (etcd), 23102 (apiserver), 23103-23104 (kubelet) belong to this file; the proxy
 * takes a free port (--port=0). Node k22-cp-node, pod CIDR 10.231.22.0/24.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { get, type IncomingMessage } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { findResourceByKind, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { runCli } from '@skiff/kubectl';
import {
  REPO_ROOT,
  cleanupNodeContainers,
  startKubelet,
  startTestCluster,
  waitForPodRunning,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const NODE = 'k22-cp-node';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}
type Running = ChildProcess & { out: () => string; errText: () => string };

let cluster: TestCluster | undefined;
let kubelet: KubeletProcess | undefined;
let client: RestClient | undefined;
let work = '';
const children: ChildProcess[] = [];

function start(args: string[]): Running {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/kubectl/src/main.ts'), ...args], {
    env: { ...process.env, KUBECONFIG: cluster!.kubeconfigPath },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return Object.assign(child, { out: () => stdout, errText: () => stderr });
}

/** One kubectl run in this process (a process start costs seconds here); paths are relative to the work dir. */
async function kubectl(...args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write: (c: Buffer, _e, cb) => {
        add(String(c));
        cb();
      },
    });
  const abs = args.map((a) => (a.startsWith('local/') || a.startsWith('back/') ? join(work, a) : a));
  const code = await runCli(abs, {
    out: sink((s) => (stdout += s)),
    err: sink((s) => (stderr += s)),
    env: { ...process.env, KUBECONFIG: cluster!.kubeconfigPath },
  });
  return { code, stdout: stdout.replaceAll(`${work}/`, ''), stderr: stderr.replaceAll(`${work}/`, '') };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function httpGet(port: number, path: string, host?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers: host ? { host } : {} }, resolve).on('error', reject);
  });
}

async function bodyOf(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return text;
}

before(
  async () => {
    await cleanupNodeContainers(NODE);
    cluster = await startTestCluster({ basePort: 23100, apiServerPort: 23102, etcdMembers: 1, kubeletClientCert: true });
    client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.231.22.0/24', networkName: 'k22-cp', port: 23103, healthzPort: 23104 });
    await client.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'box', namespace: 'default' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: 'skiff/busybox:test',
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done'],
          },
        ],
      },
    } as Pod);
    await waitForPodRunning(client, 'default', 'box', kubelet);
    work = mkdtempSync(join(tmpdir(), 'skiff-k22-cp-'));
  },
  { timeout: 240_000 },
);

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await kubelet?.stop().catch(() => undefined);
  await cleanupNodeContainers(NODE).catch(() => undefined);
  client?.close();
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('skiff kubectl (own): cp, attach, proxy', { timeout: 240_000 }, () => {
  test('cp copies a file and a directory into the pod and back, unchanged', async () => {
    mkdirSync(join(work, 'local/dir/sub'), { recursive: true });
    writeFileSync(join(work, 'local/f.txt'), 'file contents\n');
    writeFileSync(join(work, 'local/dir/a.txt'), 'alpha\n');
    writeFileSync(join(work, 'local/dir/sub/b.bin'), Buffer.alloc(70_000, 'b'));
    const copiesIn = await Promise.all([kubectl('cp', 'local/f.txt', 'box:/tmp/f.txt'), kubectl('cp', 'local/dir', 'default/box:/tmp/dir')]);
    for (const res of copiesIn) assert.deepEqual([res.code, res.stdout, res.stderr], [0, '', '']);
    const [back, backDir] = await Promise.all([kubectl('cp', 'box:/tmp/f.txt', 'back/f.txt'), kubectl('cp', 'default/box:/tmp/dir', 'back/dir')]);
    assert.equal(back.code, 0, back.stderr);
    // As upstream, the remote tar's own message arrives on stdout.
    assert.equal(back.stdout, "tar: removing leading '/' from member names\n");
    assert.equal(backDir.code, 0, backDir.stderr);
    assert.equal(readFileSync(join(work, 'back/f.txt'), 'utf8'), 'file contents\n');
    assert.equal(readFileSync(join(work, 'back/dir/a.txt'), 'utf8'), 'alpha\n');
    assert.deepEqual(readFileSync(join(work, 'back/dir/sub/b.bin')), Buffer.alloc(70_000, 'b'));
  });

  test('cp fails as kubectl does for a missing file, a missing pod and two local paths', async () => {
    const [missing, local, noPod, both] = await Promise.all([
      kubectl('cp', 'box:/tmp/nope', 'back/nope'),
      kubectl('cp', 'local/nope', 'box:/tmp'),
      kubectl('cp', 'local/f.txt', 'nobox:/tmp'),
      kubectl('cp', 'a', 'b'),
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /tar: \/tmp\/nope: No such file or directory/);
    assert.equal(missing.stderr, 'command terminated with exit code 1\n');
    assert.deepEqual([local.code, local.stderr], [1, "error: local/nope doesn't exist in local filesystem\n"]);
    assert.deepEqual([noPod.code, noPod.stderr], [1, 'Error from server (NotFound): pods "nobox" not found\n']);
    assert.deepEqual([both.code, both.stderr], [1, 'error: one of src or dest must be a remote file specification\n']);
  });

  test('attach streams the running process output', async () => {
    const child = start(['attach', 'box']);
    try {
      await waitFor('a tick', () => /tick \d+\n/.test(child.out()));
      assert.match(child.errText(), /If you don't see a command prompt, try pressing enter\.\n/);
    } finally {
      child.kill();
    }
  });

  test('proxy serves the API with the kubeconfig credentials, streams a watch, refuses exec and foreign hosts', async () => {
    const child = start(['proxy', '--port=0']);
    try {
      await waitFor('the serving line', () => /Starting to serve on 127\.0\.0\.1:\d+\n/.test(child.out()));
      const port = Number(/:(\d+)\n/.exec(child.out())![1]);
      const list = await httpGet(port, '/api/v1/namespaces/default/pods');
      assert.equal(list.statusCode, 200);
      const pods = JSON.parse(await bodyOf(list)) as { items: Pod[] };
      assert.deepEqual(
        pods.items.map((p) => p.metadata?.name),
        ['box'],
      );

      const watch = await httpGet(port, '/api/v1/namespaces/default/pods?watch=true');
      assert.equal(watch.statusCode, 200);
      const first = await new Promise<string>((resolve) => {
        let text = '';
        watch.setEncoding('utf8').on('data', (c: string) => {
          text += c;
          if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
        });
      });
      watch.destroy();
      assert.deepEqual([JSON.parse(first).type, JSON.parse(first).object.metadata.name], ['ADDED', 'box']);

      const exec = await httpGet(port, '/api/v1/namespaces/default/pods/box/exec?command=ls');
      assert.deepEqual([exec.statusCode, await bodyOf(exec)], [403, 'Forbidden\n']);
      const foreign = await httpGet(port, '/api/v1/namespaces/default/pods', 'evil.example:8001');
      assert.deepEqual([foreign.statusCode, await bodyOf(foreign)], [403, 'Forbidden\n']);
    } finally {
      child.kill();
    }
  });
});
