import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowAuthenticated, restrictBootstrappers } from './authz.ts';
import { parseRequestInfo } from './request-info.ts';

const authorize = restrictBootstrappers(allowAuthenticated);
const bootstrapper = { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:skiff:default-node-token', 'system:authenticated'] };
const admin = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };

test('a bootstrap token may request and read CSRs and read discovery, nothing else', async () => {
  const allowed = async (method: string, url: string) => (await authorize(bootstrapper, parseRequestInfo(method, url))).allowed;
  assert.equal(await allowed('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests'), true);
  assert.equal(await allowed('GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-1'), true);
  assert.equal(await allowed('GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests?watch=true'), true);
  assert.equal(await allowed('GET', '/apis'), true);
  assert.equal(await allowed('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-1/approval'), false);
  assert.equal(await allowed('DELETE', '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-1'), false);
  assert.equal(await allowed('GET', '/api/v1/namespaces/kube-system/secrets'), false);
  assert.equal(await allowed('POST', '/api/v1/namespaces/default/pods'), false);
});

test('everyone else is decided by the next authorizer', async () => {
  assert.equal((await authorize(admin, parseRequestInfo('GET', '/api/v1/namespaces/kube-system/secrets'))).allowed, true);
});
