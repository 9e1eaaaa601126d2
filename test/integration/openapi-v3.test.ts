/**
 * The OpenAPI documents as kubectl reads them: `kubectl explain` of built-in fields on
 * kubectl 1.20 (/openapi/v2) and the newest kubectl (/openapi/v3), the v3 index and a
 * group-version document, 304 on a matching ETag, and a CRD's kinds appearing in both
 * once it is established: explain of a custom field, and `kubectl apply` of a custom
 * object, which newest kubectl validates and patches by what v3 says.
 */
import { describe, it, before } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { apiRequest, eventually, kubectl as runKubectl, kubectlBinaries, type KubectlBinary, type KubectlOptions } from '../harness/index.ts';
import { useApiControlPlane } from '../harness/api-suite.ts';

// Ports 25900-25999 belong to this file: etcd at 25900, the apiserver at 25950.
const binaries = await kubectlBinaries();

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  names: { kind: CronTab, plural: crontabs, singular: crontab, listKind: CronTabList }
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: CronTabSpec says what runs when.
            properties:
              cronSpec: { type: string, description: The schedule in cron syntax. }
              image: { type: string }
              replicas: { type: integer }
`;

const cronTab = (name: string, replicas: number) => `apiVersion: stable.example.com/v1
kind: CronTab
metadata: { name: ${name}, namespace: default }
spec: { cronSpec: "* * * * */5", image: my-cron, replicas: ${replicas} }
`;

type Json = Record<string, any>;

/** kubectl with its own discovery and OpenAPI cache, so what it shows comes from this server now. */
const kubectl = (bin: KubectlBinary, args: string[], opts: KubectlOptions & { dir: string }) =>
  runKubectl(bin, ['--cache-dir', join(opts.dir, `kube-cache-${bin.name}`), ...args], opts);

describe('OpenAPI v2 and v3 through kubectl', { timeout: 300_000 }, () => {
  const suite = useApiControlPlane(25900);

  it('serves the v3 index, group-version documents with GVK schemas, and 304 on the ETag', async () => {
    const index = await apiRequest(suite.cluster.admin, 'GET', '/openapi/v3');
    assert.equal(index.status, 200);
    const paths = index.json.paths as Record<string, { serverRelativeURL: string }>;
    assert.match(paths['api/v1'].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]+$/);
    assert.ok(paths['apis/apps/v1'] && paths['apis/apiextensions.k8s.io/v1']);

    const apps = await apiRequest(suite.cluster.admin, 'GET', paths['apis/apps/v1'].serverRelativeURL);
    assert.equal(apps.status, 200);
    assert.equal(apps.headers['cache-control'], 'public, immutable');
    const doc = apps.json as Json;
    assert.equal(doc.openapi, '3.0.0');
    assert.deepEqual(doc.components.schemas['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    assert.ok(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch);

    const etag = String(apps.headers.etag);
    const again = await apiRequest(suite.cluster.admin, 'GET', '/openapi/v3/apis/apps/v1', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  for (const bin of binaries) {
    it(`${bin.name}: explain pods.spec.containers`, async () => {
      const res = await kubectl(bin, ['explain', 'pods.spec.containers'], { kubeconfig: suite.cluster.kubeconfigPath, dir: suite.cluster.dir });
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /KIND:\s+Pod/);
      // 1.20 explains from v2 ('RESOURCE: … <[]Object>'), newer kubectl from v3 ('FIELD: … <[]Container>').
      assert.match(res.stdout, bin.name === 'kubectl-1.20' ? /RESOURCE:\s+containers <\[\]Object>/ : /FIELD:\s+containers <\[\]Container>/);
      assert.match(res.stdout, /List of containers belonging to the pod/);
      assert.match(res.stdout, /imagePullPolicy/);
    });
  }

  describe('after a CRD is established', () => {
    before(async () => {
      const created = await kubectl(binaries[0], ['apply', '-f', '-'], { kubeconfig: suite.cluster.kubeconfigPath, dir: suite.cluster.dir, stdin: CRD });
      assert.equal(created.code, 0, created.stderr);
      await eventually(async () => {
        const crd = await apiRequest(suite.cluster.admin, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com');
        const established = (crd.json.status?.conditions ?? []).find((c: Json) => c.type === 'Established');
        assert.equal(established?.status, 'True');
        const index = await apiRequest(suite.cluster.admin, 'GET', '/openapi/v3');
        assert.ok(index.json.paths['apis/stable.example.com/v1']);
      }, 30_000);
    });

    it('the custom kind has its schema in v3 and v2', async () => {
      const index = await apiRequest(suite.cluster.admin, 'GET', '/openapi/v3');
      const doc = await apiRequest(suite.cluster.admin, 'GET', index.json.paths['apis/stable.example.com/v1'].serverRelativeURL);
      const schema = doc.json.components.schemas['com.example.stable.v1.CronTab'] as Json;
      assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'stable.example.com', kind: 'CronTab', version: 'v1' }]);
      assert.equal(schema.properties.spec.properties.cronSpec.description, 'The schedule in cron syntax.');
      const v2 = await apiRequest(suite.cluster.admin, 'GET', '/openapi/v2', { headers: { accept: 'application/json' } });
      assert.ok(v2.json.definitions['com.example.stable.v1.CronTab']);
    });

    for (const [i, bin] of binaries.entries()) {
      it(`${bin.name}: explain crontabs.spec, apply a CronTab twice, an unknown field refused`, async () => {
        const kubeconfig = suite.cluster.kubeconfigPath;
        const dir = suite.cluster.dir;
        const explain = await eventually(async () => {
          const res = await kubectl(bin, ['explain', 'crontabs.spec'], { kubeconfig, dir });
          assert.equal(res.code, 0, res.stderr);
          return res;
        }, 20_000);
        assert.match(explain.stdout, /KIND:\s+CronTab/);
        assert.match(explain.stdout, /CronTabSpec says what runs when/);
        assert.match(explain.stdout, /cronSpec\s+<string>/);
        assert.match(explain.stdout, /The schedule in cron syntax/);

        const name = `tab-${i}`;
        const first = await kubectl(bin, ['apply', '-f', '-'], { kubeconfig, dir, stdin: cronTab(name, 1) });
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, new RegExp(`crontab.stable.example.com/${name} created`));
        const second = await kubectl(bin, ['apply', '-f', '-'], { kubeconfig, dir, stdin: cronTab(name, 3) });
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stdout, new RegExp(`crontab.stable.example.com/${name} configured`));
        // kubectl 1.20 checks fields against v2 itself; newer kubectl learns from v3 that the server checks them (fieldValidation=Strict).
        const bogus = await kubectl(bin, ['apply', '-f', '-'], { kubeconfig, dir, stdin: cronTab(name, 4).replace('replicas: 4', 'replicas: 4, bogus: 1') });
        assert.notEqual(bogus.code, 0);
        assert.match(bogus.stderr, /unknown field "(spec\.)?bogus"/);
        const stored = await apiRequest(suite.cluster.admin, 'GET', `/apis/stable.example.com/v1/namespaces/default/crontabs/${name}`);
        assert.equal(stored.json.spec.replicas, 3);
      });
    }
  });
});
