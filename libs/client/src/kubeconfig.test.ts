import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadKubeconfig, resolveKubeconfig } from './kubeconfig.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('kubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'skiff',
    clusters: [
      { name: 'c1', cluster: { server: 'https://127.0.0.1:6443/', 'certificate-authority-data': b64('CA PEM') } },
      { name: 'c2', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true } },
    ],
    users: [
      { name: 'admin', user: { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') } },
      { name: 'bot', user: { tokenFile: join(dir, 'token') } },
    ],
    contexts: [
      { name: 'skiff', context: { cluster: 'c1', user: 'admin' } },
      { name: 'other', context: { cluster: 'c2', user: 'bot', namespace: 'kube-system' } },
    ],
  };

  it('resolves the current context with inline data', () => {
    const path = join(dir, 'config');
    writeFileSync(path, stringify(doc));
    assert.deepEqual(loadKubeconfig(path), {
      server: 'https://127.0.0.1:6443',
      caCert: 'CA PEM',
      clientCert: 'CERT',
      clientKey: 'KEY',
      token: undefined,
      insecureSkipTlsVerify: false,
      namespace: 'default',
    });
  });

  it('resolves a named context with files relative to the kubeconfig and a token file', () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA FROM FILE');
    writeFileSync(join(dir, 'token'), 'secret-token\n');
    const config = resolveKubeconfig(doc, dir, 'other');
    assert.equal(config.caCert, 'CA FROM FILE');
    assert.equal(config.token, 'secret-token');
    assert.equal(config.insecureSkipTlsVerify, true);
    assert.equal(config.namespace, 'kube-system');
  });

  it('names what is missing', () => {
    assert.throws(() => resolveKubeconfig(doc, dir, 'nope'), /context nope not found/);
    assert.throws(() => resolveKubeconfig({ ...doc, clusters: [] }, dir), /cluster c1 not found/);
    assert.throws(() => loadKubeconfig(join(dir, 'absent')), /cannot read/);
  });
});
