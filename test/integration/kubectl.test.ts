/**
 * The promise "the kubectl you already have works": every suite below runs once per
 * kubectl binary (Debian's 1.20 and the newest on PATH) against a real apiserver.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { kubectl, kubectlBinaries, startTestCluster, type KubectlResult, type TestCluster } from '../harness/index.ts';

// Ports 22300-22305 (etcd) and 22400 (apiserver) belong to this file.
const BASE_PORT = 22300;

interface ManifestValues {
  replicas: number;
  image: string;
  greeting: string;
}

const manifest = (v: ManifestValues) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  index.html: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: ${v.replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${v.image}
        ports:
        - containerPort: 80
        env:
        - name: GREETING
          value: "${v.greeting}"
        - name: A
          value: "1"
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
`;

const NODE = `apiVersion: v1
kind: Node
metadata:
  name: kubectl-node-1
  labels:
    kubernetes.io/hostname: kubectl-node-1
`;

const binaries = await kubectlBinaries();

describe('kubectl', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT });
  });
  after(() => cluster?.stop());

  for (const bin of binaries) {
    describe(bin.name, () => {
      let file: string;
      const run = (args: string[], stdin?: string) => kubectl(bin, args, { kubeconfig: cluster.kubeconfigPath, stdin });
      const ok = async (args: string[], stdin?: string): Promise<KubectlResult> => {
        const res = await run(args, stdin);
        assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
        return res;
      };
      const getJson = async (args: string[]) => JSON.parse((await ok(['get', ...args, '-o', 'json'])).stdout);
      const lines = (out: string) =>
        out
          .trim()
          .split('\n')
          .map((l) => l.trim());
      const header = (out: string) => out.split('\n')[0].trim().split(/\s+/);

      before(() => {
        file = join(cluster.dir, `manifest-${bin.name}.yaml`);
      });
      // Whatever a failed step left behind must not break the next binary's run.
      after(async () => {
        for (const what of ['pod/tester', 'node/kubectl-node-1', 'configmap/web-config', 'deployment/web', 'service/web']) {
          await run(['delete', what, '--ignore-not-found', '--wait=false']).catch(() => undefined);
        }
      });

      it('applies a multi-document manifest, then finds it unchanged', async () => {
        writeFileSync(file, manifest({ replicas: 2, image: 'registry.local/web:1', greeting: 'hello' }));
        const first = await ok(['apply', '-f', file]);
        assert.deepEqual(lines(first.stdout), ['configmap/web-config created', 'deployment.apps/web created', 'service/web created']);
        const second = await ok(['apply', '-f', file]);
        assert.deepEqual(lines(second.stdout), ['configmap/web-config unchanged', 'deployment.apps/web unchanged', 'service/web unchanged']);
      });

      it('applies an edited manifest as "configured"', async () => {
        writeFileSync(file, manifest({ replicas: 3, image: 'registry.local/web:2', greeting: 'bonjour' }));
        const res = await ok(['apply', '-f', file]);
        assert.deepEqual(lines(res.stdout), ['configmap/web-config unchanged', 'deployment.apps/web configured', 'service/web unchanged']);
        const deploy = await getJson(['deployment', 'web']);
        assert.equal(deploy.spec.replicas, 3);
        const container = deploy.spec.template.spec.containers[0];
        assert.equal(container.image, 'registry.local/web:2');
        assert.deepEqual(container.env, [
          { name: 'GREETING', value: 'bonjour' },
          { name: 'A', value: '1' },
        ]);
      });

      it('prints the familiar table headers', async () => {
        await ok(['apply', '-f', '-'], NODE);
        await ok(['run', 'tester', '--image=registry.local/web:1', '--restart=Never', '--labels=app=tester']);
        assert.deepEqual(header((await ok(['get', 'pods'])).stdout), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
        assert.deepEqual(header((await ok(['get', 'deploy'])).stdout), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
        assert.deepEqual(header((await ok(['get', 'svc'])).stdout), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
        assert.deepEqual(header((await ok(['get', 'nodes'])).stdout), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
        assert.deepEqual(header((await ok(['get', 'ns'])).stdout), ['NAME', 'STATUS', 'AGE']);
        const pods = lines((await ok(['get', 'pods'])).stdout);
        assert.match(pods[1], /^tester\s+0\/1\s+Pending\s+0\s+\S+$/);
        const svc = lines((await ok(['get', 'svc', 'web'])).stdout)[1].split(/\s+/);
        assert.equal(svc[1], 'NodePort');
        assert.match(svc[2], /^10\.\d+\.\d+\.\d+$/);
        assert.match(svc[4], /^80:3\d{4}\/TCP$/);
        const namespaces = (await ok(['get', 'ns'])).stdout;
        assert.match(namespaces, /^default\s+Active\s/m);
        assert.match(namespaces, /^kube-system\s+Active\s/m);
      });

      it('prints -o yaml, json, name and wide, and filters with -l', async () => {
        const yaml = parse((await ok(['get', 'deployment', 'web', '-o', 'yaml'])).stdout);
        assert.equal(yaml.kind, 'Deployment');
        assert.equal(yaml.metadata.name, 'web');
        assert.equal((await getJson(['configmap', 'web-config'])).data['index.html'], 'hello');
        assert.equal((await ok(['get', 'deployment', 'web', '-o', 'name'])).stdout.trim(), 'deployment.apps/web');
        const wide = header((await ok(['get', 'deployment', '-o', 'wide'])).stdout);
        assert.deepEqual(wide.slice(-3), ['CONTAINERS', 'IMAGES', 'SELECTOR']);
        assert.equal((await ok(['get', 'pods', '-l', 'app=tester', '-o', 'name'])).stdout.trim(), 'pod/tester');
        const none = await ok(['get', 'pods', '-l', 'app=nobody']);
        assert.match(none.stdout + none.stderr, /No resources found/);
        const list = await getJson(['pods,services', '-l', 'app in (tester)']);
        assert.deepEqual(
          list.items.map((i: any) => `${i.kind}/${i.metadata.name}`),
          ['Pod/tester'],
        );
      });

      it('scales, sets an image, labels', async () => {
        assert.equal((await ok(['scale', 'deployment', 'web', '--replicas=5'])).stdout.trim(), 'deployment.apps/web scaled');
        assert.equal((await getJson(['deployment', 'web'])).spec.replicas, 5);
        assert.equal((await ok(['set', 'image', 'deployment/web', 'web=registry.local/web:3'])).stdout.trim(), 'deployment.apps/web image updated');
        assert.equal((await getJson(['deployment', 'web'])).spec.template.spec.containers[0].image, 'registry.local/web:3');
        assert.equal((await ok(['label', 'deployment', 'web', 'tier=frontend'])).stdout.trim(), 'deployment.apps/web labeled');
        assert.equal((await getJson(['deployment', 'web'])).metadata.labels.tier, 'frontend');
        const clash = await run(['label', 'deployment', 'web', 'tier=backend']);
        assert.notEqual(clash.code, 0, 'relabelling without --overwrite fails');
      });

      it('patches with merge, JSON and strategic merge patches', async () => {
        const patched = await ok(['patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"replicas":2}}']);
        assert.equal(patched.stdout.trim(), 'deployment.apps/web patched');
        assert.equal((await getJson(['deployment', 'web'])).spec.replicas, 2);
        await ok(['patch', 'deployment', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":1}]']);
        assert.equal((await getJson(['deployment', 'web'])).spec.replicas, 1);
        const strategic = '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"2"}]}]}}}}';
        await ok(['patch', 'deployment', 'web', '-p', strategic]);
        const env = (await getJson(['deployment', 'web'])).spec.template.spec.containers[0].env;
        // Strategic merge: env entries merge by name instead of replacing the list.
        assert.deepEqual(env.map((e: { name: string }) => e.name).sort(), ['A', 'B', 'GREETING']);
        const invalid = await run(['patch', 'deployment', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":-3}]']);
        assert.notEqual(invalid.code, 0);
        assert.match(invalid.stderr, /spec\.replicas/);
      });

      it('deletes everything with delete -f', async () => {
        const res = await ok(['delete', '-f', file]);
        assert.deepEqual(lines(res.stdout), ['configmap "web-config" deleted', 'deployment.apps "web" deleted', 'service "web" deleted']);
        for (const what of ['configmap/web-config', 'deployment/web', 'service/web']) {
          const gone = await run(['get', what]);
          assert.notEqual(gone.code, 0, `${what} is gone`);
          assert.match(gone.stderr, /NotFound|not found/);
        }
        await ok(['delete', 'pod', 'tester']);
        await ok(['delete', 'node', 'kubectl-node-1']);
      });
    });
  }
});
