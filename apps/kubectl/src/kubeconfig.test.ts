import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultKubeconfigFile,
  editKubeconfigFile,
  fileForCurrentContext,
  fileForEntry,
  loadMergedKubeconfig,
  readKubeconfigFiles,
  upsertEntry,
} from './kubeconfig.ts';

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

describe('kubeconfig files kubectl config writes', () => {
  const base = mkdtempSync(join(tmpdir(), 'skiff-kubectl-kubeconfig-write-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  const a = join(base, 'a');
  const b = join(base, 'b');
  const missing = join(base, 'missing');
  writeFileSync(a, 'clusters:\n- name: c1\n  cluster: {server: "https://one"}\n');
  writeFileSync(b, 'current-context: prod\ncontexts:\n- name: prod\n  context: {cluster: c1}\n');

  it('writes new entries to the first file that exists, else the last listed, and --kubeconfig always', () => {
    assert.equal(defaultKubeconfigFile({ env: { KUBECONFIG: `${missing}:${a}:${b}` } }), a);
    assert.equal(defaultKubeconfigFile({ env: { KUBECONFIG: `${missing}:${join(base, 'other')}` } }), join(base, 'other'));
    assert.equal(defaultKubeconfigFile({ kubeconfig: missing, env: { KUBECONFIG: a } }), missing);
  });

  it('edits an entry where it is defined and current-context where it is set', () => {
    const opts = { env: { KUBECONFIG: `${a}:${b}` } };
    const files = readKubeconfigFiles(opts);
    assert.equal(fileForEntry(files, 'contexts', 'prod', opts), b);
    assert.equal(fileForEntry(files, 'contexts', 'new', opts), a);
    assert.equal(fileForCurrentContext(files, opts), b);
    assert.equal(fileForCurrentContext(readKubeconfigFiles({ env: { KUBECONFIG: a } }), { env: { KUBECONFIG: a } }), a);
  });

  it('writes the whole document with sorted keys, keeps unknown fields, and creates new files 0600', () => {
    editKubeconfigFile(a, (doc) => upsertEntry(doc, 'contexts', { name: 'dev', context: { cluster: 'c1' }, extra: 'kept' }));
    assert.equal(
      readFileSync(a, 'utf8'),
      [
        'apiVersion: v1',
        'clusters:',
        '- cluster:',
        '    server: https://one',
        '  name: c1',
        'contexts:',
        '- context:',
        '    cluster: c1',
        '  extra: kept',
        '  name: dev',
        'current-context: ""',
        'kind: Config',
        'preferences: {}',
        'users: null',
        '',
      ].join('\n'),
    );
    const fresh = join(base, 'dir', 'new-config');
    editKubeconfigFile(fresh, (doc) => {
      doc['current-context'] = 'x';
    });
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
  });
});
