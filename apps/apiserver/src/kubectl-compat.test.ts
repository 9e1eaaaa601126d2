/**
 * kubectl compatibility: a real etcd member and the apiserver, driven by Debian's
 * kubectl 1.20 and the newest kubectl (1.33) through what users type. Each case here
 * is a regression test for something that once broke with one of them:
 * - `kubectl auth can-i` needs authorization.k8s.io/v1 selfsubjectaccessreviews.
 * Known gap: kubectl ≥ 1.31 sends built-in kinds as protobuf from `kubectl create <kind>`
 * and `kubectl auth can-i` (client-go typed clients) with no fall-back to JSON, and the
 * apiserver does not decode protobuf yet (it answers 415), so those two cases run only
 * with kubectl < 1.31. `kubectl apply`, `get`, `patch`... send JSON and run with both.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApiServer, type TestApiServer } from './http/testing/test-api-server.ts';

const exec = promisify(execFile);
const binaries: [string, string][] = (
  [
    ['1.20', new URL('../../../.tools/kubernetes-client/usr/bin/kubectl', import.meta.url).pathname],
    ['1.33', '/usr/lib/google-cloud-sdk/bin/kubectl.1.33'],
  ] as [string, string][]
).filter(([, path]) => existsSync(path));

let api: TestApiServer;
let cacheRoot: string;

before(async () => {
  api = await startTestApiServer({ etcdBase: 23120, api: 23130 });
  cacheRoot = await mkdtemp(join(tmpdir(), 'skiff-kubectl-cache-'));
});

after(async () => {
  await api?.stop();
  if (cacheRoot) await rm(cacheRoot, { recursive: true, force: true });
});

async function kubectl(bin: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await exec(bin, ['--kubeconfig', api.kubeconfig, '--cache-dir', join(cacheRoot, bin.replaceAll('/', '_')), ...args], {
      timeout: 20_000,
      env: { ...process.env, ...env },
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')}: ${e.stderr || e.message}`);
  }
}

async function getJson(path: string): Promise<any> {
  const res = await api.request(path);
  assert.equal(res.status, 200, res.text);
  return res.json();
}

const manifest = (ns: string, image: string): string => `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: ${ns}, labels: {app: web}}
data: {a: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "${image}"}]}
`;

for (const [version, bin] of binaries) {
  const ns = `compat-${version.replace('.', '-')}`;

  const sendsProtobuf = Number(version.split('.')[1]) >= 31;
  if (sendsProtobuf) {
    // Still needed by the apply test below, which runs with every kubectl.
    test(`kubectl ${version}: namespace for the apply test`, async () => {
      const res = await api.request('/api/v1/namespaces', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      });
      assert.equal(res.status, 201, res.text);
    });
  }
  if (!sendsProtobuf)
    test(`kubectl ${version}: create namespace|deployment|configmap|secret|service`, async () => {
      assert.match(await kubectl(bin, ['create', 'namespace', ns]), new RegExp(`namespace/${ns} created`));
      assert.match(await kubectl(bin, ['-n', ns, 'create', 'deployment', 'zero', '--image=nginx:1.27', '--replicas=0']), /deployment.apps\/zero created/);
      assert.match(await kubectl(bin, ['-n', ns, 'create', 'configmap', 'lit', '--from-literal=k=v', '--from-literal=empty=']), /configmap\/lit created/);
      assert.match(await kubectl(bin, ['-n', ns, 'create', 'secret', 'generic', 'pw', '--from-literal=password=s3cret']), /secret\/pw created/);
      assert.match(await kubectl(bin, ['-n', ns, 'create', 'service', 'clusterip', 'svc', '--tcp=80:8080']), /service\/svc created/);

      const deploy = await getJson(`/apis/apps/v1/namespaces/${ns}/deployments/zero`);
      assert.equal(deploy.spec.replicas, 0, 'an explicit replicas: 0 survives');
      assert.deepEqual(deploy.spec.selector, { matchLabels: { app: 'zero' } });
      assert.equal(deploy.spec.template.spec.containers[0].image, 'nginx:1.27');
      assert.equal(deploy.spec.template.metadata.creationTimestamp ?? null, null, 'a zero time is null, not 1970');
      assert.equal(deploy.spec.template.spec.containers[0].stdin ?? false, false);
      const cm = await getJson(`/api/v1/namespaces/${ns}/configmaps/lit`);
      assert.deepEqual(cm.data, { k: 'v', empty: '' });
      const secret = await getJson(`/api/v1/namespaces/${ns}/secrets/pw`);
      assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cret');
      assert.equal(secret.type, 'Opaque');
      const svc = await getJson(`/api/v1/namespaces/${ns}/services/svc`);
      assert.equal(svc.spec.type, 'ClusterIP');
      assert.deepEqual(
        svc.spec.ports.map((p: any) => [p.port, p.targetPort, p.protocol, p.nodePort]),
        [[80, 8080, 'TCP', undefined]],
      );
      assert.match(svc.spec.clusterIP, /^10\.\d+\.\d+\.\d+$/);
    });

  if (!sendsProtobuf)
    test(`kubectl ${version}: auth can-i answers from a SelfSubjectAccessReview`, async () => {
      assert.equal((await kubectl(bin, ['auth', 'can-i', 'create', 'pods', '-n', ns])).trim(), 'yes');
      assert.equal((await kubectl(bin, ['auth', 'can-i', 'get', '/healthz'])).trim(), 'yes');
      assert.match(
        await kubectl(bin, ['api-resources', '--api-group=authorization.k8s.io']),
        /selfsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+false\s+SelfSubjectAccessReview/,
      );
    });

  test(`kubectl ${version}: apply twice, edit, server-side apply, dry run, get -w, delete`, async () => {
    const file = join(api.dir, `m-${version}.yaml`);
    await writeFile(file, manifest(ns, 'nginx:1.25'));
    assert.match(await kubectl(bin, ['apply', '-f', file]), /configmap\/cfg created\ndeployment.apps\/web created/);
    assert.match(await kubectl(bin, ['apply', '-f', file]), /configmap\/cfg unchanged\ndeployment.apps\/web unchanged/);
    await writeFile(file, manifest(ns, 'nginx:1.27'));
    assert.match(await kubectl(bin, ['apply', '-f', file, '--dry-run=server']), /deployment.apps\/web configured \(server dry run\)/);
    assert.match(await kubectl(bin, ['apply', '-f', file]), /deployment.apps\/web configured/);
    assert.match(await kubectl(bin, ['apply', '-f', file, '--server-side', '--force-conflicts']), /deployment.apps\/web serverside-applied/);
    assert.equal(await kubectl(bin, ['-n', ns, 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'nginx:1.27');

    const editor = join(api.dir, 'editor.sh');
    await writeFile(editor, `#!/bin/sh\nsed -i 's/a: "1"/a: "edited"/' "$1"\n`, { mode: 0o755 });
    assert.match(await kubectl(bin, ['-n', ns, 'edit', 'cm', 'cfg'], { EDITOR: editor }), /configmap\/cfg edited/);
    assert.match(
      await kubectl(bin, ['-n', ns, 'patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:9"}]}}}}']),
      /patched/,
    );
    assert.match(await kubectl(bin, ['-n', ns, 'scale', 'deploy', 'web', '--replicas=4']), /scaled/);
    assert.equal(
      await kubectl(bin, ['-n', ns, 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}']),
      '4 nginx:9',
    );

    // get -w prints the list, then the change as it arrives.
    const watch = spawn(bin, ['--kubeconfig', api.kubeconfig, '--cache-dir', join(cacheRoot, 'watch'), '-n', ns, 'get', 'cm', '-w']);
    try {
      let out = '';
      const seen = (re: RegExp): Promise<void> =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`watch never printed ${re}; got:\n${out}`)), 10_000);
          const check = (): void => {
            if (re.test(out)) {
              clearTimeout(timer);
              resolve();
            }
          };
          watch.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            check();
          });
          check();
        });
      await seen(/cfg\s+1\s/);
      const created = await api.request(`/api/v1/namespaces/${ns}/configmaps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' }, data: { x: 'y' } }),
      });
      assert.equal(created.status, 201, created.text);
      await seen(/late\s+1\s/);
    } finally {
      watch.kill();
    }

    assert.match(await kubectl(bin, ['delete', '-f', file]), /configmap "cfg" deleted/);
    assert.match(await kubectl(bin, ['-n', ns, 'delete', 'cm', '--all']), /configmap "late" deleted/);
    // No namespace controller yet: the namespace stays Terminating, so only --wait=false returns.
    assert.match(await kubectl(bin, ['delete', 'namespace', ns, '--wait=false']), new RegExp(`namespace "${ns}" deleted`));
    assert.match(await kubectl(bin, ['get', 'namespace', ns]), /Terminating/);
  });
}
