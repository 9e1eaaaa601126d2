import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.ts';

const cases: [string, string, Partial<ReturnType<typeof parseRequestInfo>>][] = [
  ['GET', '/api/v1/pods', { isResourceRequest: true, verb: 'list', group: '', version: 'v1', resource: 'pods', namespace: undefined, name: '' }],
  ['GET', '/api/v1/namespaces/default/pods', { verb: 'list', namespace: 'default', resource: 'pods' }],
  ['GET', '/api/v1/namespaces/default/pods/web-1', { verb: 'get', namespace: 'default', resource: 'pods', name: 'web-1' }],
  ['GET', '/api/v1/namespaces/default/pods/web-1/log', { verb: 'get', resource: 'pods', name: 'web-1', subresource: 'log' }],
  ['GET', '/api/v1/namespaces/default/pods?watch=true', { verb: 'watch', resource: 'pods' }],
  ['GET', '/api/v1/namespaces/default/pods?watch=1', { verb: 'watch' }],
  ['GET', '/api/v1/namespaces/default/pods?watch=false', { verb: 'list' }],
  // Query booleans as apimachinery reads them: the Python client sends `True`.
  ['GET', '/api/v1/namespaces/default/pods?watch=True', { verb: 'watch' }],
  ['GET', '/api/v1/namespaces/default/pods?watch=TRUE', { verb: 'watch' }],
  ['GET', '/api/v1/namespaces/default/pods?watch=', { verb: 'watch' }],
  ['GET', '/api/v1/namespaces/default/pods?watch=False', { verb: 'list' }],
  ['GET', '/api/v1/namespaces/default/pods?watch=0', { verb: 'list' }],
  ['GET', '/api/v1/watch/namespaces/default/pods', { verb: 'watch', namespace: 'default', resource: 'pods' }],
  ['GET', '/api/v1/watch/pods', { verb: 'watch', resource: 'pods', namespace: undefined }],
  ['POST', '/api/v1/namespaces/default/pods', { verb: 'create', resource: 'pods' }],
  ['POST', '/api/v1/namespaces/default/pods/web-1/binding', { verb: 'create', name: 'web-1', subresource: 'binding' }],
  [
    'PUT',
    '/apis/apps/v1/namespaces/ns1/deployments/web/scale',
    { verb: 'update', group: 'apps', version: 'v1', resource: 'deployments', name: 'web', subresource: 'scale' },
  ],
  ['PATCH', '/apis/apps/v1/namespaces/ns1/deployments/web', { verb: 'patch', group: 'apps', name: 'web' }],
  ['DELETE', '/apis/apps/v1/namespaces/ns1/deployments/web', { verb: 'delete' }],
  ['DELETE', '/apis/apps/v1/namespaces/ns1/deployments', { verb: 'deletecollection' }],
  ['GET', '/api/v1/namespaces', { verb: 'list', resource: 'namespaces', namespace: undefined }],
  ['GET', '/api/v1/namespaces/kube-system', { verb: 'get', resource: 'namespaces', name: 'kube-system', namespace: undefined }],
  ['PUT', '/api/v1/namespaces/kube-system/finalize', { verb: 'update', resource: 'namespaces', name: 'kube-system', subresource: 'finalize' }],
  ['PUT', '/api/v1/namespaces/kube-system/status', { verb: 'update', resource: 'namespaces', name: 'kube-system', subresource: 'status' }],
  ['GET', '/api/v1/nodes/n1', { verb: 'get', resource: 'nodes', name: 'n1', namespace: undefined }],
  [
    'GET',
    '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1',
    { group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1' },
  ],
  ['GET', '/api/v1/namespaces/a/pods/b/proxy/x/y', { subresource: 'proxy', rest: ['x', 'y'] }],
  ['GET', '/api', { isResourceRequest: false, verb: 'get' }],
  ['GET', '/api/v1', { isResourceRequest: false }],
  ['GET', '/apis/apps/v1', { isResourceRequest: false }],
  ['GET', '/apis/apps', { isResourceRequest: false }],
  ['GET', '/healthz', { isResourceRequest: false, path: '/healthz' }],
  ['GET', '/api/v1/namespaces/default/pods/a%2Fb', { name: 'a/b' }],
];

test('parseRequestInfo follows Kubernetes RequestInfoFactory', () => {
  for (const [method, url, want] of cases) {
    const got = parseRequestInfo(method, url);
    for (const [k, v] of Object.entries(want)) {
      assert.deepEqual(got[k as keyof typeof got], v, `${method} ${url}: ${k}`);
    }
  }
});
