/**
 * kubectl's generators and typed-client commands against Skiff. Since 1.31, `kubectl create
 * <generator>`, `auth can-i`, `certificate approve` and `drain` send protobuf bodies with no JSON
 * fall-back; kubectl 1.20 sends JSON. Each command runs with every kubectl on the machine and
 * the stored object is checked field by field, as a user reading it back would.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateRequest } from '@skiff/pki';
import {
  apiRequest,
  eventually,
  hollowPrefix,
  kubectl,
  kubectlBinaries,
  REPO_ROOT,
  startControlPlane,
  type ControlPlane,
  type KubectlResult,
} from '../harness/index.ts';

// Ports 28300-28301 (etcd) and 28400 (apiserver) belong to this file.
const BASE_PORT = 28300;
const TESTDATA = join(REPO_ROOT, 'apps/apiserver/src/http/protobuf/testdata');
const binaries = await kubectlBinaries();

describe('kubectl create and typed-client commands', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane({ basePort: BASE_PORT, kubeletProcesses: 1 });
  });
  after(() => cp?.stop());

  const getJson = async (path: string): Promise<any> => {
    const res = await apiRequest(cp.cluster.admin, 'GET', path);
    assert.equal(res.status, 200, `GET ${path}: ${res.body}`);
    return res.json;
  };

  it('accepts the protobuf bodies kubectl 1.33 recorded, whatever kubectl is installed', async () => {
    const post = async (file: string, path: string) => {
      const res = await apiRequest(cp.cluster.admin, 'POST', path, {
        body: readFileSync(join(TESTDATA, file)),
        headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
      });
      assert.equal(res.status, 201, `${file}: ${res.body}`);
    };
    await post('namespace.pb', '/api/v1/namespaces');
    await post('deployment-command.pb', '/apis/apps/v1/namespaces/pbfix/deployments');
    await post('configmap.pb', '/api/v1/namespaces/pbfix/configmaps');
    await post('service-clusterip.pb', '/api/v1/namespaces/pbfix/services');
    assert.equal((await getJson('/apis/apps/v1/namespaces/pbfix/deployments/idle')).spec.replicas, 0);
    assert.equal((await getJson('/api/v1/namespaces/pbfix/configmaps/cfg')).data.greeting, 'hello');
    const svc = await getJson('/api/v1/namespaces/pbfix/services/web');
    assert.match(svc.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/);
    // A kind Skiff has no protobuf table for is refused with 415 and nothing is stored.
    const sts = Buffer.concat([
      Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x16, 0x0a, 0x07]),
      Buffer.from('apps/v1'),
      Buffer.from([0x12, 0x0b]),
      Buffer.from('StatefulSet'),
    ]);
    const refused = await apiRequest(cp.cluster.admin, 'POST', '/api/v1/namespaces/pbfix/configmaps', {
      body: sts,
      headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
    });
    assert.equal(refused.status, 415);
    assert.equal(refused.json.reason, 'UnsupportedMediaType');
    assert.match(refused.json.message, /send apps\/v1 StatefulSet as application\/json/);
  });

  binaries.forEach((bin, index) => {
    describe(bin.name, () => {
      const ns = `kc-${index}`;
      const run = (args: string[]) => kubectl(bin, args, { kubeconfig: cp.cluster.kubeconfigPath });
      // A failed drain must not leave the only node cordoned for the next kubectl.
      after(() => run(['uncordon', `${hollowPrefix(0)}0`]).catch(() => undefined));
      const ok = async (args: string[]): Promise<KubectlResult> => {
        const res = await run(args);
        assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
        return res;
      };
      const created = async (args: string[], what: string) => {
        assert.equal((await ok(['-n', ns, 'create', ...args])).stdout.trim(), `${what} created`);
      };

      it('create namespace, deployment (with --replicas=0 and a command)', async () => {
        assert.equal((await ok(['create', 'namespace', ns])).stdout.trim(), `namespace/${ns} created`);
        await created(['deployment', 'web', '--image=skiff/web:v1', '--replicas=2', '--port=8080'], 'deployment.apps/web');
        await created(['deployment', 'idle', '--image=busybox', '--replicas=0', '--', 'sleep', '3600'], 'deployment.apps/idle');
        const web = await getJson(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
        assert.equal(web.spec.replicas, 2);
        assert.deepEqual(web.spec.selector, { matchLabels: { app: 'web' } });
        assert.deepEqual(web.spec.template.spec.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }]);
        const idle = await getJson(`/apis/apps/v1/namespaces/${ns}/deployments/idle`);
        assert.equal(idle.spec.replicas, 0);
        assert.deepEqual(idle.spec.template.spec.containers[0].command, ['sleep', '3600']);
        // The controller-manager and scheduler take it from there, as with any deployment.
        await eventually(
          async () => {
            const pods = await getJson(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`);
            assert.equal(pods.items.filter((p: any) => p.spec.nodeName).length, 2);
          },
          60_000,
          500,
        );
      });

      it('create configmap (binary file), secrets, services, serviceaccount', async () => {
        const blob = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]);
        const blobFile = join(cp.cluster.dir, `blob-${index}.bin`);
        writeFileSync(blobFile, blob);
        await created(['configmap', 'cfg', '--from-literal=greeting=hello', `--from-file=blob=${blobFile}`], 'configmap/cfg');
        const cm = await getJson(`/api/v1/namespaces/${ns}/configmaps/cfg`);
        assert.deepEqual(cm.data, { greeting: 'hello' });
        assert.deepEqual(Buffer.from(cm.binaryData.blob, 'base64'), blob);

        await created(['secret', 'generic', 'creds', '--from-literal=password=s3cr3t'], 'secret/creds');
        const creds = await getJson(`/api/v1/namespaces/${ns}/secrets/creds`);
        assert.equal(creds.type, 'Opaque');
        assert.equal(Buffer.from(creds.data.password, 'base64').toString(), 's3cr3t');
        await created(['secret', 'docker-registry', 'pull', '--docker-server=10.250.0.1:5000', '--docker-username=u', '--docker-password=p'], 'secret/pull');
        const pull = await getJson(`/api/v1/namespaces/${ns}/secrets/pull`);
        assert.equal(pull.type, 'kubernetes.io/dockerconfigjson');
        assert.equal(JSON.parse(Buffer.from(pull.data['.dockerconfigjson'], 'base64').toString()).auths['10.250.0.1:5000'].username, 'u');

        await created(['service', 'clusterip', 'web', '--tcp=80:8080', '--tcp=443:https'], 'service/web');
        const web = await getJson(`/api/v1/namespaces/${ns}/services/web`);
        assert.deepEqual(
          web.spec.ports.map((p: any) => [p.port, p.targetPort]),
          [
            [80, 8080],
            [443, 'https'],
          ],
        );
        assert.match(web.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/);
        const nodePort = 30200 + index;
        await created(['service', 'nodeport', 'web-np', '--tcp=80:8080', `--node-port=${nodePort}`], 'service/web-np');
        assert.equal((await getJson(`/api/v1/namespaces/${ns}/services/web-np`)).spec.ports[0].nodePort, nodePort);
        await created(['service', 'externalname', 'ext', '--external-name=example.com'], 'service/ext');
        const ext = await getJson(`/api/v1/namespaces/${ns}/services/ext`);
        assert.equal(ext.spec.type, 'ExternalName');
        assert.equal(ext.spec.externalName, 'example.com');
        await created(['serviceaccount', 'robot'], 'serviceaccount/robot');
        await getJson(`/api/v1/namespaces/${ns}/serviceaccounts/robot`);
      });

      it('auth can-i answers for resources and paths', async () => {
        assert.equal((await ok(['-n', ns, 'auth', 'can-i', 'create', 'pods'])).stdout.trim(), 'yes');
        assert.equal((await ok(['auth', 'can-i', 'get', '/healthz'])).stdout.trim(), 'yes');
      });

      it('certificate approve marks the CSR Approved', async () => {
        const { csr } = await createCertificateRequest({ commonName: `user-${index}` });
        const name = `approve-${index}`;
        const res = await apiRequest(cp.cluster.admin, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', {
          body: {
            apiVersion: 'certificates.k8s.io/v1',
            kind: 'CertificateSigningRequest',
            metadata: { name },
            spec: { request: Buffer.from(csr).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] },
          },
        });
        assert.equal(res.status, 201, res.body);
        assert.equal((await ok(['certificate', 'approve', name])).stdout.trim(), `certificatesigningrequest.certificates.k8s.io/${name} approved`);
        const approved = await getJson(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`);
        assert.deepEqual(
          approved.status.conditions.map((c: any) => [c.type, c.status, c.reason]),
          [['Approved', 'True', 'KubectlApprove']],
        );
      });

      it("drain evicts the node's pods and cordons it; uncordon undoes it", async () => {
        const node = `${hollowPrefix(0)}0`;
        const res = await ok(['drain', node, `--pod-selector=app=web`, '--grace-period=1', '--timeout=60s']);
        // kubectl 1.20's drain reuses the pods' printer for its last line ("deleted", or "evicted" when it evicted); later ones say "drained".
        assert.match(res.stdout, new RegExp(`^node/${node} (drained|deleted|evicted)$`, 'm'));
        assert.match(res.stdout, /^pod\/web-\S+ evicted$/m);
        await eventually(
          async () => {
            const pods = await getJson(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`);
            assert.equal(pods.items.filter((p: any) => p.spec.nodeName === node && !p.metadata.deletionTimestamp).length, 0);
          },
          60_000,
          500,
        );
        assert.equal((await getJson(`/api/v1/nodes/${node}`)).spec.unschedulable, true);
        await ok(['uncordon', node]);
        assert.notEqual((await getJson(`/api/v1/nodes/${node}`)).spec.unschedulable, true);
      });
    });
  });
});
