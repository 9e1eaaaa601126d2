/**
 * Skiff's own kubectl (apps/kubectl) against a real apiserver + controller-manager:
 * create -f, get with every output, selectors, -A, describe with events, delete -f, and
 * kubectl's error words and exit codes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, eventually, startControllerManager, startTestCluster, type ComponentProcess, type TestCluster } from '../harness/index.ts';

// Ports 26300-26301 (etcd) and 26400 (apiserver) belong to this file.
const BASE_PORT = 26300;
const NS = 'own-core';

const manifest = `apiVersion: v1
kind: Namespace
metadata:
  name: ${NS}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: ${NS}
  labels: {app: web}
data:
  greeting: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
`;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('skiff kubectl (own): core commands', () => {
  let cluster: TestCluster | undefined;
  let cm: ComponentProcess | undefined;
  let manifestPath = '';

  const kubectl = (...args: string[]): Promise<Result> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(REPO_ROOT, 'apps/kubectl/src/main.ts'), ...args],
        {
          env: { ...process.env, KUBECONFIG: cluster!.kubeconfigPath },
          timeout: 60_000,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1 });
    cm = await startControllerManager(cluster);
    manifestPath = join(cluster.dir, 'app.yaml');
    writeFileSync(manifestPath, manifest);
  });

  after(async () => {
    await cm?.stop().catch(() => cm?.kill());
    await cluster?.stop();
  });

  it('creates every object of a multi-document manifest', async () => {
    const r = await kubectl('create', '-f', manifestPath);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `namespace/${NS} created\nconfigmap/web-config created\ndeployment.apps/web created\n`);
    const again = await kubectl('create', '-f', manifestPath);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Error from server \(AlreadyExists\): error when creating ".*app.yaml": namespaces "own-core" already exists$/m);
    const gen = await kubectl('create', 'configmap', 'other', '--from-literal=a=1', '-n', NS);
    assert.equal(gen.stdout, 'configmap/other created\n');
  });

  it('gets tables, wide tables and full objects in each output', async () => {
    const table = await kubectl('get', 'deploy', '-n', NS);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+\d\/2\s+/);
    const wide = await kubectl('get', 'deployments.apps', 'web', '-n', NS, '-o', 'wide');
    assert.match(wide.stdout, /CONTAINERS\s+IMAGES\s+SELECTOR\n.*web\s+nginx:1\.27\s+app=web/);

    const yaml = parse((await kubectl('get', 'deploy', 'web', '-n', NS, '-o', 'yaml')).stdout);
    assert.equal(yaml.kind, 'Deployment');
    assert.equal(yaml.spec.replicas, 2);
    const json = JSON.parse((await kubectl('get', 'cm', '-n', NS, '-o', 'json')).stdout);
    assert.equal(json.kind, 'List');
    const cmNames = json.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    assert.ok(cmNames.includes('other') && cmNames.includes('web-config'), cmNames.join());
    assert.ok(json.items.every((i: { kind: string }) => i.kind === 'ConfigMap'));

    const names = await kubectl('get', 'deploy,cm', '-n', NS, '-l', 'app=web', '-o', 'name');
    assert.equal(names.stdout, 'deployment.apps/web\nconfigmap/web-config\n');
    const jp = await kubectl('get', 'cm', '-n', NS, '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.data.greeting}{"\\n"}{end}');
    assert.equal(jp.stdout, 'web-config=hello\n');
  });

  it('lists across namespaces with -A and several kinds with prefixes', async () => {
    const all = await kubectl('get', 'deploy', '-A', '--no-headers');
    assert.match(all.stdout, new RegExp(`^${NS}\\s+web\\s+`, 'm'));
    const multi = await kubectl('get', 'deploy,cm', '-n', NS, '-l', 'app=web');
    assert.match(multi.stdout, /^deployment\.apps\/web\s/m);
    assert.match(multi.stdout, /\n\nNAME\s+DATA\s+AGE\nconfigmap\/web-config\s+1\s/);
    const labels = await kubectl('get', 'cm', 'web-config', '-n', NS, '--show-labels');
    assert.match(labels.stdout, /LABELS\n.*app=web$/m);
  });

  it('describes a deployment with its events', async () => {
    await eventually(
      async () => {
        const r = await kubectl('describe', 'deployment', 'web', '-n', NS);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Name:\s+web$/m);
        assert.match(r.stdout, /^Namespace:\s+own-core$/m);
        assert.match(r.stdout, /Image:\s+nginx:1\.27/);
        assert.match(r.stdout, /Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n[\s-]+\n\s+Normal\s+ScalingReplicaSet\s+.*Scaled up replica set web-/);
      },
      20_000,
      500,
    );
  });

  it('reports unknown kinds and missing objects in kubectl words with exit code 1', async () => {
    const kind = await kubectl('get', 'nosuchkind');
    assert.equal(kind.code, 1);
    assert.equal(kind.stderr, 'error: the server doesn\'t have a resource type "nosuchkind"\n');
    const missing = await kubectl('get', 'deploy', 'missing', '-n', NS);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): deployments.apps "missing" not found\n');
  });

  it('delete -f removes everything and waits until it is gone', async () => {
    // The namespace goes first, so its controller may remove the rest before kubectl asks:
    // --ignore-not-found keeps that race (real kubectl's too) out of the verdict.
    const r = await kubectl('delete', '-f', manifestPath, '--ignore-not-found');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `namespace "${NS}" deleted`);
    for (const line of lines.slice(1)) assert.ok(['configmap "web-config" deleted', 'deployment.apps "web" deleted'].includes(line), line);
    const gone = await kubectl('get', 'ns', NS);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, `Error from server (NotFound): namespaces "${NS}" not found\n`);
    const left = await kubectl('get', 'deploy,cm', '-A', '-l', 'app=web', '-o', 'name');
    assert.equal(left.stdout, '');
  });
});
