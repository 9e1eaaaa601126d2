import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMergedKubeconfig } from './kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const first = `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster: {server: "https://one:6443/", certificate-authority: ca.crt}
users:
- name: u1
  user: {token: t1}
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: shop}
`;
const second = `apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: c1
  cluster: {server: "https://shadowed:1"}
- name: c2
  cluster: {server: "https://two:6443"}
users:
- name: u2
  user: {token: t2}
contexts:
- name: prod
  context: {cluster: c2, user: u2}
`;

describe('kubeconfig', () => {
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'config'), first);
  writeFileSync(join(dir, 'a', 'ca.crt'), 'CA-PEM');
  writeFileSync(join(dir, 'b'), second);
  const KUBECONFIG = `${join(dir, 'a', 'config')}:${join(dir, 'missing')}:${join(dir, 'b')}`;

  it('merges KUBECONFIG files, first definition and current-context win', () => {
    const c = loadMergedKubeconfig({ env: { KUBECONFIG } });
    assert.equal(c.server, 'https://one:6443');
    assert.equal(c.token, 't1');
    assert.equal(c.namespace, 'shop');
    // Relative file references resolve against the file that names them.
    assert.equal(c.caCert, 'CA-PEM');
  });

  it('switches context and namespace on request', () => {
    const c = loadMergedKubeconfig({ env: { KUBECONFIG }, context: 'prod', namespace: 'ops' });
    assert.equal(c.server, 'https://two:6443');
    assert.equal(c.token, 't2');
    assert.equal(c.namespace, 'ops');
    assert.equal(loadMergedKubeconfig({ env: { KUBECONFIG }, context: 'prod' }).namespace, 'default');
  });

  it('fails as kubectl does for an unknown context or a missing --kubeconfig', () => {
    assert.throws(() => loadMergedKubeconfig({ env: { KUBECONFIG }, context: 'nope' }), /context was not found for specified context: nope/);
    assert.throws(() => loadMergedKubeconfig({ kubeconfig: join(dir, 'missing') }), /no such file/);
    assert.throws(() => loadMergedKubeconfig({ env: { KUBECONFIG: join(dir, 'missing') } }), /no configuration has been provided/);
  });
});
