import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { viewKubeconfig } from './config-view.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-config-view-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'ca.crt'), 'CA');

const files = [
  {
    path: join(dir, 'a'),
    exists: true,
    doc: {
      'current-context': 'dev',
      clusters: [{ name: 'c1', cluster: { 'certificate-authority-data': 'Q0E=', server: 'https://one' } }],
      users: [{ name: 'u1', user: { token: 't1', 'client-key-data': 'S0VZ' } }],
      contexts: [{ name: 'dev', context: { namespace: 'shop', user: 'u1', cluster: 'c1' } }],
    },
  },
  {
    path: join(dir, 'b'),
    exists: true,
    doc: {
      'current-context': 'ignored',
      clusters: [
        { name: 'c2', cluster: { server: 'https://two', 'certificate-authority': 'ca.crt' } },
        { name: 'c1', cluster: { server: 'https://shadowed' } },
      ],
      users: [{ name: 'u2', user: { password: 'secret', username: 'bob' } }],
      contexts: [{ name: 'prod', context: { cluster: 'c2', user: 'u2' } }],
    },
  },
];

describe('config view', () => {
  it('merges first-wins, hides secrets, and orders fields as kubectl -o json does', () => {
    const doc = viewKubeconfig(files, { minify: false, flatten: false, raw: false });
    assert.deepEqual(Object.keys(doc), ['kind', 'apiVersion', 'preferences', 'clusters', 'users', 'contexts', 'current-context']);
    assert.deepEqual(doc.clusters, [
      { name: 'c1', cluster: { server: 'https://one', 'certificate-authority-data': 'DATA+OMITTED' } },
      { name: 'c2', cluster: { server: 'https://two', 'certificate-authority': 'ca.crt' } },
    ]);
    assert.deepEqual(doc.users, [
      { name: 'u1', user: { 'client-key-data': 'DATA+OMITTED', token: 'REDACTED' } },
      { name: 'u2', user: { username: 'bob', password: 'REDACTED' } },
    ]);
    assert.deepEqual(Object.keys((doc.contexts as { context: object }[])[0].context), ['cluster', 'user', 'namespace']);
    assert.equal(doc['current-context'], 'dev');
    // The files' own documents are untouched.
    assert.deepEqual(files[0].doc.users[0], { name: 'u1', user: { token: 't1', 'client-key-data': 'S0VZ' } });
  });

  it('--minify keeps the chosen context and what it names; --flatten embeds files relative to their kubeconfig', () => {
    const doc = viewKubeconfig(files, { minify: true, flatten: true, raw: false, context: 'prod' });
    assert.deepEqual(doc.clusters, [{ name: 'c2', cluster: { server: 'https://two', 'certificate-authority-data': Buffer.from('CA').toString('base64') } }]);
    assert.deepEqual(doc.users, [{ name: 'u2', user: { username: 'bob', password: 'secret' } }]);
    assert.equal(doc['current-context'], 'prod');
  });

  it('--raw shows secrets; an empty config shows null sections; minify needs a context', () => {
    assert.deepEqual(viewKubeconfig(files, { minify: true, flatten: false, raw: true }).users, [
      { name: 'u1', user: { 'client-key-data': 'S0VZ', token: 't1' } },
    ]);
    assert.deepEqual(viewKubeconfig([], { minify: false, flatten: false, raw: false }), {
      kind: 'Config',
      apiVersion: 'v1',
      preferences: {},
      clusters: null,
      users: null,
      contexts: null,
      'current-context': '',
    });
    assert.throws(() => viewKubeconfig([], { minify: true, flatten: false, raw: false }), /current-context must exist in order to minify/);
    assert.throws(() => viewKubeconfig(files, { minify: true, flatten: false, raw: false, context: 'nope' }), /cannot locate context nope/);
  });
});
