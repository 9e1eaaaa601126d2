/**
 * A node's credential as kube limits it: the Node authorizer lets `system:node:n1` read only
 * the secrets, config maps, claims and volumes of pods bound to n1 (never a list of them) and
 * mint tokens only for their service accounts; NodeRestriction keeps its writes to its own Node
 * (no reserved labels, taints fixed), its own pods' status and deletion, mirror pods and its own
 * lease. CSRs: kube-apiserver-client never for system:masters, approving needs `approve` on the
 * signer, issuing needs `sign`, and the controller-manager approves a node's renewal after a
 * SubjectAccessReview but not a stranger's request for a node name.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateRequest } from '@skiff/pki';
import {
  apiRequest,
  BUSYBOX_IMAGE,
  cleanupNodeContainers,
  eventually,
  identityFor,
  startControllerManager,
  startKubelet,
  startTestCluster,
  type ApiTarget,
  type ComponentProcess,
  type Identity,
  type TestCluster,
} from '../harness/index.ts';

// Ports 28200-28201 (etcd), 28250 (apiserver) and 28260-28261 (kubelet) belong to this file.
const BASE_PORT = 28200;
const NS = 'nodeauthz';
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const MERGE = { 'content-type': 'application/merge-patch+json' };

async function must(target: ApiTarget, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any> {
  const res = await apiRequest(target, method, path, { ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.body}`);
  return res.json;
}

/** The request must be refused with 403 and a message matching `message`. */
async function forbidden(
  target: ApiTarget,
  method: string,
  path: string,
  message: string | RegExp,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<void> {
  const res = await apiRequest(target, method, path, { ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
  assert.equal(res.status, 403, `${method} ${path}: ${res.status} ${res.body}`);
  assert.equal(res.json.reason, 'Forbidden');
  if (typeof message === 'string') assert.equal(res.json.message, message);
  else assert.match(res.json.message, message);
}

function pod(name: string, node: string, secret: string, extra: Record<string, unknown> = {}) {
  return {
    metadata: { name },
    spec: {
      nodeName: node,
      serviceAccountName: `${name}-sa`,
      containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: `${name}-settings` } }] }],
      volumes: [
        { name: 's', secret: { secretName: secret } },
        { name: 'd', persistentVolumeClaim: { claimName: `${name}-data` } },
      ],
      ...extra,
    },
  };
}

async function csrBody(name: string, commonName: string, organizations: string[], signerName: string) {
  const { csr } = await createCertificateRequest({ commonName, organizations });
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: Buffer.from(csr).toString('base64'), signerName, usages: ['digital signature', 'client auth'] },
  };
}

describe('Node authorizer, NodeRestriction and CSR admission', { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let n1: Identity;
  let eve: Identity;
  let mine: any;
  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1, apiServerPort: 28250 });
    const admin = cluster.admin;
    await must(admin, 'POST', '/api/v1/namespaces', { metadata: { name: NS } });
    for (const name of ['mine-sa', 'theirs-sa']) await must(admin, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name } });
    for (const name of ['mine-secret', 'their-secret'])
      await must(admin, 'POST', `/api/v1/namespaces/${NS}/secrets`, { metadata: { name }, stringData: { k: 'v' } });
    await must(admin, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { metadata: { name: 'mine-settings' }, data: { k: 'v' } });
    await must(admin, 'POST', `/api/v1/namespaces/${NS}/persistentvolumeclaims`, {
      metadata: { name: 'mine-data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' },
    });
    await must(admin, 'POST', '/api/v1/persistentvolumes', {
      metadata: { name: 'mine-pv' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/mine' }, claimRef: { namespace: NS, name: 'mine-data' } },
    });
    await must(admin, 'POST', '/api/v1/persistentvolumes', {
      metadata: { name: 'their-pv' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/theirs' } },
    });
    mine = await must(admin, 'POST', `/api/v1/namespaces/${NS}/pods`, pod('mine', 'n1', 'mine-secret'));
    await must(admin, 'POST', `/api/v1/namespaces/${NS}/pods`, pod('theirs', 'n2', 'their-secret'));
    await must(admin, 'POST', '/api/v1/nodes', { metadata: { name: 'n2' } });
    n1 = await identityFor(cluster, 'system:node:n1', ['system:nodes']);
    eve = await identityFor(cluster, 'eve');
  });
  after(() => cluster?.stop());

  it('a node reads what its own pods use, and nothing else of those kinds', async () => {
    const n = n1.target;
    await eventually(async () => assert.equal((await must(n, 'GET', `/api/v1/namespaces/${NS}/secrets/mine-secret`)).data.k, 'dg=='));
    await must(n, 'GET', `/api/v1/namespaces/${NS}/configmaps/mine-settings`);
    await must(n, 'GET', `/api/v1/namespaces/${NS}/persistentvolumeclaims/mine-data`);
    await must(n, 'GET', '/api/v1/persistentvolumes/mine-pv');
    await forbidden(
      n,
      'GET',
      `/api/v1/namespaces/${NS}/secrets/their-secret`,
      `secrets "their-secret" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "${NS}": no relationship found between node 'n1' and this object`,
    );
    await forbidden(
      n,
      'GET',
      `/api/v1/namespaces/${NS}/secrets`,
      /^secrets is forbidden: User "system:node:n1" cannot list resource "secrets" in API group "" in the namespace "nodeauthz"/,
    );
    await forbidden(n, 'GET', '/api/v1/secrets?watch=true', /cannot watch resource "secrets" in API group "" at the cluster scope/);
    // Not /api/v1/persistentvolumes/their-pv: every node may read volumes and claims through
    // system:skiff:local-path (bound to system:nodes, since a joined machine's local-path
    // provisioner runs with the node's credential), so RBAC allows what the graph does not.
    await forbidden(n, 'GET', '/apis/apps/v1/deployments', /cannot list resource "deployments"/);
  });

  it('a pod bound to the node later opens its secret to the node', async () => {
    await must(cluster.admin, 'POST', `/api/v1/namespaces/${NS}/secrets`, { metadata: { name: 'late-secret' } });
    await forbidden(n1.target, 'GET', `/api/v1/namespaces/${NS}/secrets/late-secret`, /no relationship found/);
    await must(cluster.admin, 'POST', `/api/v1/namespaces/${NS}/pods`, {
      metadata: { name: 'late' },
      spec: { serviceAccountName: 'mine-sa', containers: [{ name: 'c', image: 'busybox' }], imagePullSecrets: [{ name: 'late-secret' }] },
    });
    await must(cluster.admin, 'POST', `/api/v1/namespaces/${NS}/pods/late/binding`, { metadata: { name: 'late' }, target: { kind: 'Node', name: 'n1' } });
    await eventually(() => must(n1.target, 'GET', `/api/v1/namespaces/${NS}/secrets/late-secret`), 5_000);
  });

  it("tokens only for its pods' service accounts, bound to its own pods", async () => {
    const request = (podName: string, uid: string) => ({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [], boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: podName, uid } },
    });
    const token = await must(n1.target, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts/mine-sa/token`, request('mine', mine.metadata.uid));
    assert.ok(token.status.token);
    await forbidden(
      n1.target,
      'POST',
      `/api/v1/namespaces/${NS}/serviceaccounts/theirs-sa/token`,
      /no relationship found between node 'n1' and this object/,
      request('theirs', 'x'),
    );
    await forbidden(
      n1.target,
      'POST',
      `/api/v1/namespaces/${NS}/serviceaccounts/mine-sa/token`,
      'serviceaccounts "mine-sa" is forbidden: node requested token not bound to a pod',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [] } },
    );
  });

  it('pods: no pod but a mirror pod; status and deletion only of its own', async () => {
    const n = n1.target;
    await forbidden(
      n,
      'POST',
      `/api/v1/namespaces/${NS}/pods`,
      'pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
      { metadata: { name: 'sneaky' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } },
    );
    await must(n, 'PATCH', `/api/v1/namespaces/${NS}/pods/mine/status`, { status: { phase: 'Running' } }, MERGE);
    await forbidden(
      n,
      'PATCH',
      `/api/v1/namespaces/${NS}/pods/theirs/status`,
      'pods "theirs" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
      { status: { phase: 'Failed' } },
      MERGE,
    );
    await forbidden(
      n,
      'DELETE',
      `/api/v1/namespaces/${NS}/pods/theirs`,
      'pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself',
    );
    await forbidden(n, 'PATCH', `/api/v1/namespaces/${NS}/pods/mine`, /cannot patch resource "pods"/, { metadata: { labels: { a: 'b' } } }, MERGE);
  });

  it('nodes: its own Node only, no reserved labels, taints fixed once registered', async () => {
    const n = n1.target;
    await must(n, 'POST', '/api/v1/nodes', {
      metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
      spec: { taints: [{ key: 'skiff.dev/new', effect: 'NoSchedule' }] },
    });
    await forbidden(
      n,
      'PATCH',
      '/api/v1/nodes/n2',
      'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
      { metadata: { labels: { a: 'b' } } },
      MERGE,
    );
    await forbidden(
      n,
      'PATCH',
      '/api/v1/nodes/n2/status',
      'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
      { status: { phase: 'Running' } },
      MERGE,
    );
    await forbidden(
      n,
      'PATCH',
      '/api/v1/nodes/n1',
      'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/secure',
      { metadata: { labels: { 'node-restriction.kubernetes.io/secure': 'true' } } },
      MERGE,
    );
    await forbidden(n, 'PATCH', '/api/v1/nodes/n1', 'nodes "n1" is forbidden: is not allowed to modify taints', { spec: { taints: null } }, MERGE);
    await must(n, 'PATCH', '/api/v1/nodes/n1', { metadata: { labels: { 'skiff.dev/lab-node': 'n1' } }, spec: { podCIDR: '10.244.1.0/24' } }, MERGE);
    const status = await must(
      n,
      'PATCH',
      '/api/v1/nodes/n1/status',
      {
        status: {
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
        },
      },
      MERGE,
    );
    assert.equal(status.status.conditions[0].reason, 'KubeletReady');
    // The admin still labels as it likes: that is how node-restriction labels are meant to be set.
    await must(cluster.admin, 'PATCH', '/api/v1/nodes/n1', { metadata: { labels: { 'node-restriction.kubernetes.io/secure': 'true' } } }, MERGE);
  });

  it('leases: kube-node-lease/<itself> only', async () => {
    const lease = (name: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name },
      spec: { holderIdentity: name, leaseDurationSeconds: 40 },
    });
    await must(n1.target, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n1'));
    await forbidden(
      n1.target,
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
      lease('n2'),
    );
    await must(cluster.admin, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n2'));
    await forbidden(
      n1.target,
      'PUT',
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2',
      /can only access node lease with the same name as the requesting node/,
      lease('n2'),
    );
  });

  it('CSRs: no system:masters through kube-apiserver-client; approving and signing need the signer verbs', async () => {
    await forbidden(
      cluster.admin,
      'POST',
      CSRS,
      'certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
      await csrBody('root', 'root', ['system:masters'], 'kubernetes.io/kube-apiserver-client'),
    );
    await forbidden(
      cluster.admin,
      'POST',
      CSRS,
      /kube-apiserver-client-kubelet signer accepts only node client certificates: subject common name does not begin with system:node:/,
      await csrBody('not-a-node', 'alice', ['system:nodes'], 'kubernetes.io/kube-apiserver-client-kubelet'),
    );
    await must(cluster.admin, 'POST', CSRS, await csrBody('alice', 'alice', ['dev'], 'kubernetes.io/kube-apiserver-client'));

    // eve may write the approval and status subresources, but holds neither approve nor sign.
    await must(cluster.admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      metadata: { name: 'csr-writer' },
      rules: [
        {
          apiGroups: ['certificates.k8s.io'],
          resources: ['certificatesigningrequests', 'certificatesigningrequests/approval', 'certificatesigningrequests/status'],
          verbs: ['get', 'update', 'patch'],
        },
      ],
    });
    await must(cluster.admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: 'eve-csr-writer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'csr-writer' },
      subjects: [{ kind: 'User', name: 'eve', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const approval = { status: { conditions: [{ type: 'Approved', status: 'True', reason: 'ByHand', message: 'ok' }] } };
    await eventually(async () =>
      forbidden(
        eve.target,
        'PATCH',
        `${CSRS}/alice/approval`,
        'certificatesigningrequests.certificates.k8s.io "alice" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"',
        approval,
        MERGE,
      ),
    );
    const approved = await must(cluster.admin, 'PATCH', `${CSRS}/alice/approval`, approval, MERGE);
    assert.ok(approved.status.conditions.some((c: { type: string }) => c.type === 'Approved'));
    // Approved now, so a well-formed certificate passes validation; admission still wants `sign`.
    await forbidden(
      eve.target,
      'PATCH',
      `${CSRS}/alice/status`,
      'certificatesigningrequests.certificates.k8s.io "alice" is forbidden: user not permitted to sign requests with signerName "kubernetes.io/kube-apiserver-client"',
      { status: { certificate: Buffer.from(cluster.pki.caCert).toString('base64') } },
      MERGE,
    );
  });

  it('the approver approves a node renewing itself, not a stranger asking for a node name', async () => {
    let cm: ComponentProcess | undefined;
    try {
      cm = await startControllerManager(cluster, { args: ['--controllers=csrapproving'] });
      await must(n1.target, 'POST', CSRS, await csrBody('n1-renewal', 'system:node:n1', ['system:nodes'], 'kubernetes.io/kube-apiserver-client-kubelet'));
      await must(eve.target, 'POST', CSRS, await csrBody('eve-as-n1', 'system:node:n1', ['system:nodes'], 'kubernetes.io/kube-apiserver-client-kubelet')).catch(
        async () => {
          // eve may not create CSRs at all without a grant: give her that much, nothing more.
          await must(cluster.admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
            metadata: { name: 'eve-creates-csrs' },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-bootstrapper' },
            subjects: [{ kind: 'User', name: 'eve', apiGroup: 'rbac.authorization.k8s.io' }],
          });
          await eventually(async () =>
            must(eve.target, 'POST', CSRS, await csrBody('eve-as-n1', 'system:node:n1', ['system:nodes'], 'kubernetes.io/kube-apiserver-client-kubelet')),
          );
        },
      );
      await eventually(async () => {
        const csr = await must(cluster.admin, 'GET', `${CSRS}/n1-renewal`);
        assert.equal(csr.spec.username, 'system:node:n1');
        assert.ok(
          csr.status?.conditions?.some((c: { type: string; message: string }) => c.type === 'Approved' && /self kubelet client certificate/.test(c.message)),
          JSON.stringify(csr.status),
        );
      }, 30_000);
      const stranger = await must(cluster.admin, 'GET', `${CSRS}/eve-as-n1`);
      assert.equal(stranger.status?.conditions, undefined, "eve's request for a node name waits for a human");
    } finally {
      await cm?.stop();
    }
  });
  it('a real kubelet with only its node credential registers and runs a pod with a secret, config map env and a claim', async () => {
    const NODE = 'nodeauthz-kubelet';
    const hostDir = mkdtempSync(join(tmpdir(), 'nodeauthz-pv-'));
    const kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.202.28.0/24', networkName: 'k-nodeauthz', port: 28260, healthzPort: 28261 });
    try {
      const admin = cluster.admin;
      await must(admin, 'POST', '/api/v1/persistentvolumes', {
        metadata: { name: 'run-pv' },
        spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: hostDir }, claimRef: { namespace: NS, name: 'run-data' } },
      });
      await must(admin, 'POST', `/api/v1/namespaces/${NS}/persistentvolumeclaims`, {
        metadata: { name: 'run-data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', volumeName: 'run-pv' },
      });
      await must(admin, 'POST', `/api/v1/namespaces/${NS}/pods`, {
        metadata: { name: 'runner' },
        spec: {
          nodeName: NODE,
          serviceAccountName: 'mine-sa',
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'c',
              image: BUSYBOX_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              command: ['sleep', '3600'],
              env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'mine-settings', key: 'k' } } }],
              volumeMounts: [
                { name: 's', mountPath: '/secret' },
                { name: 'd', mountPath: '/data' },
              ],
            },
          ],
          volumes: [
            { name: 's', secret: { secretName: 'mine-secret' } },
            { name: 'd', persistentVolumeClaim: { claimName: 'run-data' } },
          ],
        },
      });
      await eventually(
        async () => {
          const p = await must(admin, 'GET', `/api/v1/namespaces/${NS}/pods/runner`);
          assert.equal(
            p.status?.phase,
            'Running',
            `${JSON.stringify(p.status?.containerStatuses?.map((c: { state: unknown }) => c.state))}\n${kubelet.logTail(20)}`,
          );
        },
        120_000,
        500,
      );
      const lease = await must(admin, 'GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`);
      assert.equal(lease.spec.holderIdentity, NODE);
      await must(admin, 'DELETE', `/api/v1/namespaces/${NS}/pods/runner`);
      // The kubelet deletes the pod object itself once its containers are gone (its own pod: allowed).
      await eventually(async () => assert.equal((await apiRequest(admin, 'GET', `/api/v1/namespaces/${NS}/pods/runner`)).status, 404), 60_000, 500);
    } finally {
      await kubelet.stop().catch(() => undefined);
      await cleanupNodeContainers(NODE).catch(() => undefined);
      rmSync(hostDir, { recursive: true, force: true });
    }
  });
});
