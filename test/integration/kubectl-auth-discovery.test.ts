/**
 * What kubectl asks the server about itself: `get crd` and the CRD check newer kubectl makes
 * before validating an unknown kind, `auth whoami`, `auth can-i --list` — for the admin and for a
 * bootstrap token, whose rules must match what it is actually allowed. Every kubectl on the machine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiRequest, kubectl, kubectlBinaries, startTestCluster, type KubectlResult, type TestCluster } from '../harness/index.ts';

// Ports 28500-28501 (etcd) and 28600 (apiserver) belong to this file.
const BASE_PORT = 28500;
const binaries = await kubectlBinaries();

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets, singular: widget }
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;

describe('kubectl: CRDs, whoami and can-i --list', { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let tokenKubeconfig: string;
  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1 });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const res = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces/kube-system/secrets', {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'bootstrap-token-abcdef' },
        type: 'bootstrap.kubernetes.io/token',
        data: { 'token-id': b64('abcdef'), 'token-secret': b64('0123456789abcdef'), 'usage-bootstrap-authentication': b64('true') },
      },
    });
    assert.equal(res.status, 201, res.body);
    tokenKubeconfig = join(cluster.dir, 'bootstrap.kubeconfig');
    const ca = join(cluster.dir, 'bootstrap-ca.crt');
    writeFileSync(ca, cluster.pki.caCert);
    writeFileSync(
      tokenKubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${cluster.server}", certificate-authority: "${ca}" } }]
users: [{ name: u, user: { token: abcdef.0123456789abcdef } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`,
    );
  });
  after(() => cluster?.stop());

  for (const bin of binaries) {
    describe(bin.name, () => {
      const run = (args: string[], opts: { stdin?: string; kubeconfig?: string } = {}) =>
        kubectl(bin, args, { kubeconfig: opts.kubeconfig ?? cluster.kubeconfigPath, stdin: opts.stdin });
      const ok = async (args: string[], opts: { stdin?: string; kubeconfig?: string } = {}): Promise<KubectlResult> => {
        const res = await run(args, opts);
        assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
        return res;
      };

      it('get crd finds none at first; an applied CRD is stored, established and listed', async () => {
        const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
        if (bin === binaries[0]) {
          const list = await ok(['get', 'crd']);
          assert.match(list.stdout + list.stderr, /No resources found/);
          const missing = await run(['get', 'crd', 'widgets.example.com']);
          assert.notEqual(missing.code, 0);
          assert.match(missing.stderr, /customresourcedefinitions.apiextensions.k8s.io "widgets.example.com" not found/);
          // A watch that starts now sees the CRD arrive.
          const watch = apiRequest(cluster.admin, 'GET', `${crdPath}?watch=1&timeoutSeconds=2`);
          await ok(['apply', '-f', '-'], { stdin: CRD });
          const events = (await watch).body
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as { type: string; object: { metadata: { name: string } } });
          assert.equal(events[0]?.type, 'ADDED');
          assert.equal(events[0]?.object.metadata.name, 'widgets.example.com');
        } else {
          // Applied again by the other kubectl: unchanged.
          assert.match((await ok(['apply', '-f', '-'], { stdin: CRD })).stdout, /widgets.example.com unchanged/);
        }
        await ok(['wait', '--for=condition=Established', '--timeout=10s', 'crd/widgets.example.com']);
        const table = await ok(['get', 'crd']);
        assert.match(table.stdout, /^NAME\s+CREATED AT$/m);
        assert.match(table.stdout, /^widgets\.example\.com\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
        const widget = await ok(['apply', '--validate=false', '-f', '-'], {
          stdin: 'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w, namespace: default }\ncolor: blue\n',
        });
        assert.match(widget.stdout, /widget.example.com\/w (created|unchanged)/);
      });

      it('auth can-i --list: everything for the admin', async () => {
        const res = await ok(['auth', 'can-i', '--list']);
        assert.match(res.stdout, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
      });

      it('a bootstrap token: only CSRs in can-i --list, and can-i answers no elsewhere', async () => {
        const list = await ok(['auth', 'can-i', '--list'], { kubeconfig: tokenKubeconfig });
        assert.match(list.stdout, /^certificatesigningrequests\.certificates\.k8s\.io\s+\[\]\s+\[\]\s+\[create get list watch\]$/m);
        assert.doesNotMatch(list.stdout, /^\*\.\*/m);
        const pods = await run(['auth', 'can-i', 'create', 'pods'], { kubeconfig: tokenKubeconfig });
        // RBAC gives no reason for what no rule allows, so kubectl prints a bare "no".
        assert.equal(pods.stdout.trim(), 'no');
        assert.equal(pods.code, 1);
        assert.equal((await ok(['auth', 'can-i', 'create', 'certificatesigningrequests'], { kubeconfig: tokenKubeconfig })).stdout.trim(), 'yes');
      });

      it('auth whoami names the user and groups (kubectl 1.27+)', async (t) => {
        if (bin.name === 'kubectl-1.20') return t.skip('kubectl 1.20 has no auth whoami');
        const admin = await ok(['auth', 'whoami']);
        assert.match(admin.stdout, /^Username\s+admin$/m);
        assert.match(admin.stdout, /^Groups\s+\[system:masters system:authenticated\]$/m);
        const token = await ok(['auth', 'whoami'], { kubeconfig: tokenKubeconfig });
        assert.match(token.stdout, /^Username\s+system:bootstrap:abcdef$/m);
      });
    });
  }
});
