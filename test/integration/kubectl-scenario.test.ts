/**
 * One user scenario, run step by step with Skiff's kubectl and with upstream kubectl (newest, and
 * 1.20): apply a small busybox httpd app (fixtures/scenario/app), read it back in every output
 * format, describe, scale, roll out a new image and undo it, read logs, exec, delete. Then the
 * malformed manifests in fixtures/scenario/malformed: a kubectl-style error, a non-zero exit code
 * and nothing created. The cluster: apiserver, controller-manager, scheduler and one Docker kubelet.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { findResourceByKind, type Deployment, type Pod } from '@skiff/api';
import { RestClient, isNotFound, loadKubeconfig } from '@skiff/client';
import {
  BUSYBOX_IMAGE,
  REPO_ROOT,
  cleanupNodeContainers,
  dockerFor,
  ensureTestImages,
  eventually,
  kubectlBinaries,
  startControllerManager,
  startKubelet,
  startScheduler,
  startTestCluster,
  type ComponentProcess,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const NODE = 'k5-scenario-node';
const NS = 'k5-scenario';
const APP = join(REPO_ROOT, 'test/integration/fixtures/scenario/app');
const MALFORMED = join(REPO_ROOT, 'test/integration/fixtures/scenario/malformed');
const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;
const NAMESPACES = findResourceByKind('v1', 'Namespace')!;
const CONFIGMAPS = findResourceByKind('v1', 'ConfigMap')!;
const PODS = findResourceByKind('v1', 'Pod')!;

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
let client: RestClient;
let kubelet: KubeletProcess | undefined;
const components: ComponentProcess[] = [];
const runners: Runner[] = [{ name: 'skiff-kubectl', argv: [process.execPath, join(REPO_ROOT, 'apps/kubectl/src/main.ts')] }];

function kubectl(runner: Runner, args: string[]): Promise<Result> {
  const [cmd, ...pre] = runner.argv;
  const child = spawn(cmd, [...pre, ...args], { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.end();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(runner: Runner, args: string[]): Promise<string> {
  const res = await kubectl(runner, args);
  assert.equal(res.code, 0, `kubectl ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

before(
  async () => {
    for (const bin of await kubectlBinaries()) runners.push({ name: bin.name, argv: [bin.path] });
    await cleanupNodeContainers(NODE);
    // The second tag `set image` rolls out to: the same busybox under another name.
    await ensureTestImages();
    await dockerFor().getImage(BUSYBOX_IMAGE).tag({ repo: 'k5/web', tag: 'v2' });
    cluster = await startTestCluster({ basePort: 27430, apiServerPort: 27540, etcdMembers: 1, kubeletClientCert: true });
    client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    components.push(await startControllerManager(cluster));
    components.push(await startScheduler(cluster));
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.205.2.0/24', networkName: 'k5-scenario', port: 27550, healthzPort: 27551 });
  },
  { timeout: 300_000 },
);

after(async () => {
  await kubelet?.stop().catch(() => undefined);
  await Promise.all(components.map((c) => c.stop(5000).catch(() => c.kill())));
  await cleanupNodeContainers(NODE).catch(() => undefined);
  await dockerFor()
    .getImage('k5/web:v2')
    .remove()
    .catch(() => undefined);
  client?.close();
  await cluster?.stop();
});

const names = ['skiff-kubectl', 'kubectl-latest', 'kubectl-1.20'];

describe('the scenario, step by step', { timeout: 1_800_000 }, () => {
  for (const name of names) {
    test(`${name}: apply, read, scale, roll out, undo, logs, exec, delete`, { timeout: 600_000 }, async (t) => {
      const runner = runners.find((r) => r.name === name);
      if (!runner) return t.skip(`${name} not installed`);
      const n = ['-n', NS];
      // The previous kubectl's run ends with the namespace gone; a failed one may leave it terminating.
      await eventually(
        async () => {
          await assert.rejects(client.get(NAMESPACES, undefined, NS), (err) => isNotFound(err));
        },
        180_000,
        1000,
      );

      const applied = await ok(runner, ['apply', '-f', APP]);
      assert.match(applied, /namespace\/k5-scenario created/);
      assert.match(applied, /configmap\/web-content created/);
      assert.match(applied, /deployment\.apps\/web created/);
      assert.match(applied, /service\/web created/);
      await ok(runner, ['rollout', 'status', 'deployment/web', ...n, '--timeout=180s']);

      const wide = await ok(runner, ['get', 'deployment', 'web', ...n, '-o', 'wide']);
      assert.match(wide, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
      assert.match(wide, /\nweb\s+3\/3\s+3\s+3\s+\S+\s+web\s+skiff\/busybox:test\s+app=web/);
      const yaml = await ok(runner, ['get', 'configmap', 'web-content', ...n, '-o', 'yaml']);
      assert.match(yaml, /index\.html: \|\n\s+hello from the k5 scenario/);
      const json = JSON.parse(await ok(runner, ['get', 'service', 'web', ...n, '-o', 'json'])) as { spec: { ports: { port: number }[] } };
      assert.equal(json.spec.ports[0].port, 80);
      assert.equal(await ok(runner, ['get', 'deploy,svc', ...n, '-o', 'name']), 'deployment.apps/web\nservice/web\n');
      assert.equal(await ok(runner, ['get', 'deployment', 'web', ...n, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'skiff/busybox:test');

      const described = await ok(runner, ['describe', 'deployment', 'web', ...n]);
      assert.match(described, /Events:[\s\S]*ScalingReplicaSet/);

      assert.match(await ok(runner, ['scale', 'deployment/web', ...n, '--replicas=5']), /deployment\.apps\/web scaled/);
      await eventually(
        async () => {
          const d = await client.get<Deployment>(DEPLOYMENTS, NS, 'web');
          assert.equal(d.status?.readyReplicas, 5);
        },
        180_000,
        1000,
      );

      assert.match(await ok(runner, ['set', 'image', 'deployment/web', ...n, 'web=k5/web:v2']), /deployment\.apps\/web image updated/);
      assert.match(await ok(runner, ['rollout', 'status', 'deployment/web', ...n, '--timeout=180s']), /successfully rolled out/);
      const history = await ok(runner, ['rollout', 'history', 'deployment/web', ...n]);
      assert.match(history, /\n1\s+<none>\n2\s+<none>\n/);
      assert.match(await ok(runner, ['rollout', 'undo', 'deployment/web', ...n]), /deployment\.apps\/web rolled back/);
      await ok(runner, ['rollout', 'status', 'deployment/web', ...n, '--timeout=180s']);
      assert.equal(await ok(runner, ['get', 'deployment', 'web', ...n, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'skiff/busybox:test');
      // rollout status returns once the new pods are available, while the old ones still run out their
      // grace period; kubectl may pick one of those for deployment/web, and it dies under the exec (137).
      await eventually(
        async () => {
          const pods = await client.list<Pod>(PODS, NS, { labelSelector: 'app=web' });
          assert.equal(pods.items.filter((p) => !p.metadata?.deletionTimestamp).length, pods.items.length, 'old pods still terminating');
        },
        180_000,
        1000,
      );

      assert.match(await ok(runner, ['logs', 'deployment/web', ...n]), /web starting/);
      assert.equal(await ok(runner, ['exec', 'deployment/web', ...n, '--', 'cat', '/www/index.html']), 'hello from the k5 scenario\n');

      // The namespace goes first and takes its contents along: the later objects may already be gone.
      const deleted = await ok(runner, ['delete', '-f', APP, '--ignore-not-found']);
      assert.match(deleted, /namespace "k5-scenario" deleted/);
      await eventually(
        async () => {
          await assert.rejects(client.get(NAMESPACES, undefined, NS), (err) => isNotFound(err));
        },
        180_000,
        1000,
      );
    });
  }
});

const malformed: { file: string; error: RegExp; created?: string }[] = [
  { file: 'bad-yaml.yaml', error: /^error: error parsing .*bad-yaml\.yaml: error converting YAML to JSON: yaml: /m, created: 'k5-bad-yaml' },
  { file: 'unknown-kind.yaml', error: /no matches for kind "Widget" in version "v1"/ },
  { file: 'missing-name.yaml', error: /resource name may not be empty/ },
  { file: 'invalid-value.yaml', error: /is invalid: spec\.replicas: Invalid value: -1: must be greater than or equal to 0/ },
  { file: 'unknown-field.yaml', error: /unknown field "dataz"/, created: 'k5-unknown-field' },
];

describe('malformed manifests', { timeout: 600_000 }, () => {
  for (const name of names) {
    for (const m of malformed) {
      test(`${name}: apply -f ${m.file} fails like kubectl and creates nothing`, async (t) => {
        const runner = runners.find((r) => r.name === name);
        if (!runner) return t.skip(`${name} not installed`);
        const res = await kubectl(runner, ['apply', '-f', join(MALFORMED, m.file)]);
        assert.notEqual(res.code, 0, res.stdout);
        assert.match(res.stderr, m.error);
        assert.equal(res.stdout, '');
        if (m.created) await assert.rejects(client.get(CONFIGMAPS, 'default', m.created), (err) => isNotFound(err));
        await assert.rejects(client.get(DEPLOYMENTS, 'default', 'k5-invalid-value'), (err) => isNotFound(err));
      });
    }
  }
});
