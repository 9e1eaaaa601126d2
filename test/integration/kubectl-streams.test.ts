/**
 * logs, logs -f, logs --previous, exec (exit code, piped stdin), port-forward and top pod against a
 * real Docker kubelet behind the apiserver, with Skiff's kubectl (WebSocket), kubectl 1.20 (SPDY)
 * and the newest kubectl: what each prints and exits with.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { findResourceByKind, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import {
  REPO_ROOT,
  cleanupNodeContainers,
  eventually,
  kubectlBinaries,
  startKubelet,
  startTestCluster,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const NODE = 'k5-streams-node';
const IMAGE = 'skiff/busybox:test';

interface Runner {
  name: string;
  argv: string[];
}
interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let cluster: TestCluster;
let kubelet: KubeletProcess | undefined;
let client: RestClient;
const runners: Runner[] = [{ name: 'skiff-kubectl', argv: [process.execPath, join(REPO_ROOT, 'apps/kubectl/src/main.ts')] }];

function start(runner: Runner, args: string[]): ChildProcess & { out: () => string; errText: () => string } {
  const [cmd, ...pre] = runner.argv;
  const child = spawn(cmd, [...pre, ...args], { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return Object.assign(child, { out: () => stdout, errText: () => stderr });
}

function run(runner: Runner, args: string[], stdin = ''): Promise<Result> {
  const child = start(runner, args);
  child.stdin!.end(stdin);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: child.out(), stderr: child.errText() });
    });
  });
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (c) => (body += c))
        .on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function pod(name: string, script: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script], ports: [{ containerPort: 8080, name: 'http' }] }],
    },
  } as Pod;
}

before(
  async () => {
    for (const bin of await kubectlBinaries()) runners.push({ name: bin.name, argv: [bin.path] });
    await cleanupNodeContainers(NODE);
    cluster = await startTestCluster({ basePort: 27420, etcdMembers: 1, kubeletClientCert: true });
    client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.205.1.0/24', networkName: 'k5-streams', port: 27450, healthzPort: 27451 });
    await client.create(
      PODS,
      pod(
        'web',
        'mkdir -p /www && echo hello-from-pod > /www/index.html && echo started && (i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done) & httpd -f -p 8080 -h /www',
      ),
    );
    await client.create(PODS, pod('crasher', 'echo attempt at $(date +%s); sleep 2; exit 1'));
    await eventually(
      async () => {
        const web = await client.get<Pod>(PODS, 'default', 'web');
        assert.equal(web.status?.phase, 'Running');
        const crasher = await client.get<Pod>(PODS, 'default', 'crasher');
        assert.ok((crasher.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 'crasher restarted');
      },
      120_000,
      500,
    );
  },
  { timeout: 300_000 },
);

after(async () => {
  await kubelet?.stop().catch(() => undefined);
  await cleanupNodeContainers(NODE).catch(() => undefined);
  client?.close();
  await cluster?.stop();
});

describe('kubectl streams', { timeout: 600_000 }, () => {
  for (const name of ['skiff-kubectl', 'kubectl-1.20', 'kubectl-latest']) {
    const runner = () => runners.find((r) => r.name === name);
    const localPort = 27460 + ['skiff-kubectl', 'kubectl-1.20', 'kubectl-latest'].indexOf(name);

    test(`${name}: logs prints what the container wrote`, async (t) => {
      if (!runner()) return t.skip(`${name} not installed`);
      const res = await run(runner()!, ['logs', 'web']);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^started\n/);
      const tail = await run(runner()!, ['logs', 'web', '--tail=1']);
      assert.equal(tail.stdout.trim().split('\n').length, 1);
    });

    test(`${name}: logs -f delivers a line written after it started`, async (t) => {
      if (!runner()) return t.skip(`${name} not installed`);
      const child = start(runner()!, ['logs', '-f', 'web', '--tail=1']);
      try {
        await waitFor('a first tick', () => /tick (\d+)/.test(child.out()));
        const first = Number(/tick (\d+)/.exec(child.out())![1]);
        await waitFor('a later tick', () => new RegExp(`tick ${first + 1}\\b`).test(child.out()));
      } finally {
        child.kill();
      }
    });

    test(`${name}: logs --previous shows the crashed container's output`, async (t) => {
      if (!runner()) return t.skip(`${name} not installed`);
      const res = await run(runner()!, ['logs', 'crasher', '--previous']);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^attempt at \d+\n$/);
    });

    test(`${name}: exec prints the output and exits with the remote code`, async (t) => {
      if (!runner()) return t.skip(`${name} not installed`);
      const res = await run(runner()!, ['exec', 'web', '--', 'sh', '-c', 'echo hi; exit 3']);
      assert.equal(res.stdout, 'hi\n');
      assert.equal(res.code, 3, res.stderr);
      assert.match(res.stderr, /command terminated with exit code 3/);
    });

    test(`${name}: exec -i passes piped stdin to the process`, async (t) => {
      if (!runner()) return t.skip(`${name} not installed`);
      const res = await run(runner()!, ['exec', '-i', 'web', '--', 'sh', '-c', 'tr a-z A-Z'], 'piped words\n');
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, 'PIPED WORDS\n');
    });

    test(`${name}: port-forward serves the pod's HTTP port locally`, async (t) => {
      if (!runner()) return t.skip(`${name} not installed`);
      const child = start(runner()!, ['port-forward', 'pod/web', `${localPort}:8080`]);
      try {
        await waitFor('port-forward to listen', () => child.out().includes(`127.0.0.1:${localPort}`) || child.exitCode !== null);
        assert.equal(child.exitCode, null, child.errText());
        assert.equal(await httpGet(localPort), 'hello-from-pod\n');
      } finally {
        child.kill();
      }
    });

    test(`${name}: top pod lists the pod's usage`, async (t) => {
      if (!runner()) return t.skip(`${name} not installed`);
      await eventually(
        async () => {
          const res = await run(runner()!, ['top', 'pod', 'web']);
          assert.equal(res.code, 0, res.stderr);
          assert.match(res.stdout, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nweb\s+\d+m\s+\d+Mi\s*\n$/);
        },
        90_000,
        2000,
      );
    });
  }
});
