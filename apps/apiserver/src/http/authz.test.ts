import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowAuthenticated, restrictBootstrappers, rulesFor } from './authz.ts';
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

test('rulesFor describes what the authorizer decides', async () => {
  // Each sample request is allowed exactly when one of the user's rules covers it.
  const covers = (rules: ReturnType<typeof rulesFor>, method: string, url: string): boolean => {
    const info = parseRequestInfo(method, url);
    const has = (list: string[], v: string) => list.includes('*') || list.includes(v);
    if (!info.isResourceRequest) return rules.nonResourceRules.some((r) => has(r.verbs, info.verb) && has(r.nonResourceURLs, info.path));
    const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
    return rules.resourceRules.some((r) => has(r.verbs, info.verb) && has(r.apiGroups, info.group) && has(r.resources, resource));
  };
  const samples: [string, string][] = [
    ['POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests'],
    ['GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests?watch=true'],
    ['PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/c/approval'],
    ['DELETE', '/apis/certificates.k8s.io/v1/certificatesigningrequests/c'],
    ['GET', '/api/v1/namespaces/kube-system/secrets'],
    ['POST', '/api/v1/namespaces/default/pods'],
    ['GET', '/apis'],
    ['GET', '/healthz'],
    ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'],
    ['POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews'],
  ];
  for (const user of [bootstrapper, admin]) {
    for (const [method, url] of samples) {
      const decided = (await authorize(user, parseRequestInfo(method, url))).allowed;
      assert.equal(covers(rulesFor(user), method, url), decided, `${user.username} ${method} ${url}`);
    }
  }
});
