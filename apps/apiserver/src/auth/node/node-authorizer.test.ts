import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { parseRequestInfo } from '../../http/request-info.ts';
import { NodeGraph } from './graph.ts';
import { nodeAuthorizer, nodeIdentity } from './node-authorizer.ts';

const n1 = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

function setup() {
  const graph = new NodeGraph();
  const web: Pod = {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      nodeName: 'n1',
      serviceAccountName: 'web-sa',
      containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'settings' } }] }],
      volumes: [
        { name: 's', secret: { secretName: 'web-tls' } },
        { name: 'd', persistentVolumeClaim: { claimName: 'data' } },
      ],
    },
  };
  const other: Pod = {
    metadata: { name: 'api', namespace: 'default' },
    spec: { nodeName: 'n2', containers: [{ name: 'c' }], volumes: [{ name: 's', secret: { secretName: 'api-tls' } }] },
  };
  graph.setPod(web, undefined);
  graph.setPod(other, undefined);
  graph.setPersistentVolume({ metadata: { name: 'pv-data' }, spec: { claimRef: { namespace: 'default', name: 'data' } } }, undefined);
  return { graph, authorize: nodeAuthorizer({ graph: async () => graph }) };
}

async function decide(authorize: ReturnType<typeof setup>['authorize'], method: string, url: string, user = n1) {
  return authorize(user, parseRequestInfo(method, url));
}

test('nodeIdentity: system:node:<name> in system:nodes only', () => {
  assert.equal(nodeIdentity(n1), 'n1');
  assert.equal(nodeIdentity({ username: 'system:node:n1', groups: [] }), undefined);
  assert.equal(nodeIdentity({ username: 'system:kubelet-hollow', groups: ['system:nodes'] }), undefined);
  assert.equal(nodeIdentity({ username: 'system:node:', groups: ['system:nodes'] }), '');
});

test('node authorizer: no opinion on anyone but a node', async () => {
  const { authorize } = setup();
  const d = await decide(authorize, 'GET', '/api/v1/namespaces/default/secrets/web-tls', { username: 'alice', groups: ['system:nodes'] });
  assert.deepEqual(d, { allowed: false, noOpinion: true, reason: '' });
  const unknown = await decide(authorize, 'GET', '/api/v1/nodes', { username: 'system:node:', groups: ['system:nodes'] });
  assert.equal(unknown.reason, 'unknown node for user "system:node:"');
});

test('node authorizer: objects its pods use, and nothing else of those kinds', async () => {
  const { authorize } = setup();
  const table: [string, string, boolean, string?][] = [
    ['GET', '/api/v1/namespaces/default/secrets/web-tls', true],
    ['GET', '/api/v1/namespaces/default/configmaps/settings', true],
    ['GET', '/api/v1/namespaces/default/persistentvolumeclaims/data', true],
    ['GET', '/api/v1/persistentvolumes/pv-data', true],
    ['POST', '/api/v1/namespaces/default/serviceaccounts/web-sa/token', true],
    ['PATCH', '/api/v1/namespaces/default/persistentvolumeclaims/data/status', true],
    ['GET', '/api/v1/namespaces/default/secrets/api-tls', false, "no relationship found between node 'n1' and this object"],
    ['GET', '/api/v1/namespaces/default/secrets', false, 'No Object name found'],
    ['GET', '/api/v1/secrets?watch=true', false, 'can only read namespaced object of this type'],
    ['PUT', '/api/v1/namespaces/default/secrets/web-tls', false, 'can only read resources of this type'],
    ['GET', '/api/v1/persistentvolumes', false, 'can only get individual resources of this type'],
    ['POST', '/api/v1/namespaces/default/serviceaccounts/default/token', false, "no relationship found between node 'n1' and this object"],
    ['GET', '/api/v1/namespaces/default/serviceaccounts/web-sa', false, 'can only create tokens for individual service accounts'],
  ];
  for (const [method, url, allowed, reason] of table) {
    const d = await decide(authorize, method, url);
    assert.equal(d.allowed, allowed, `${method} ${url}`);
    if (!allowed) assert.deepEqual(d, { allowed: false, noOpinion: true, reason }, `${method} ${url}`);
  }
});

test('node authorizer: a refusal waits for a pod bound a moment ago', async () => {
  const { graph, authorize } = setup();
  const pending = decide(authorize, 'GET', '/api/v1/namespaces/default/secrets/late');
  setTimeout(
    () =>
      graph.setPod(
        { metadata: { name: 'late', namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'c' }], imagePullSecrets: [{ name: 'late' }] } },
        undefined,
      ),
    50,
  );
  assert.equal((await pending).allowed, true);
});

test('node authorizer: leases in kube-node-lease under its own name', async () => {
  const { authorize } = setup();
  assert.equal((await decide(authorize, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1')).allowed, true);
  assert.equal((await decide(authorize, 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases')).allowed, true);
  assert.equal(
    (await decide(authorize, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2')).reason,
    'can only access node lease with the same name as the requesting node',
  );
  assert.equal(
    (await decide(authorize, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/n1')).reason,
    'can only access leases in the "kube-node-lease" system namespace',
  );
  assert.equal(
    (await decide(authorize, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases')).reason,
    'can only get, create, update, patch, or delete a node lease',
  );
});

test('node authorizer: the rest by the system:node rules', async () => {
  const { authorize } = setup();
  const allowed: [string, string][] = [
    ['GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&watch=true'],
    ['PATCH', '/api/v1/namespaces/default/pods/web/status'],
    ['DELETE', '/api/v1/namespaces/default/pods/web'],
    ['POST', '/api/v1/nodes'],
    ['PATCH', '/api/v1/nodes/n1/status'],
    ['POST', '/api/v1/namespaces/default/events'],
    ['GET', '/api/v1/services'],
    ['POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests'],
  ];
  for (const [method, url] of allowed) assert.equal((await decide(authorize, method, url)).allowed, true, `${method} ${url}`);
  const refused: [string, string][] = [
    ['PATCH', '/api/v1/namespaces/default/pods/web'],
    ['POST', '/api/v1/namespaces/default/pods/web/binding'],
    ['GET', '/apis/apps/v1/deployments'],
    ['PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval'],
    ['GET', '/healthz'],
  ];
  for (const [method, url] of refused)
    assert.deepEqual(await decide(authorize, method, url), { allowed: false, noOpinion: true, reason: '' }, `${method} ${url}`);
});

test('node authorizer: a graph that cannot list yet has no opinion', async () => {
  const authorize = nodeAuthorizer({ graph: () => Promise.reject(new Error('etcd down')) });
  const d = await authorize(n1, parseRequestInfo('GET', '/api/v1/namespaces/default/secrets/web-tls'));
  assert.equal(d.noOpinion, true);
  assert.match(d.reason, /not yet listed/);
});
