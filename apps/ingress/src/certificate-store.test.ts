import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from '@skiff/api';
import { createCertificateAuthority, issueCertificate } from '@skiff/pki';
import { createLogger } from '@skiff/log';
import { CertificateStore, createFallbackCertificate } from './certificate-store.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('CertificateStore', async () => {
  const ca = await createCertificateAuthority('test-ca', 1);
  const a = await issueCertificate(ca, { commonName: 'a.example.com', hosts: ['a.example.com'], usage: 'server', validityDays: 1 });
  const secrets = new Map<string, Secret>([
    [
      'default/a',
      { metadata: { name: 'a', resourceVersion: '1' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(a.cert), 'tls.key': b64(a.key) } } as Secret,
    ],
    [
      'default/opaque',
      { metadata: { name: 'opaque', resourceVersion: '1' }, type: 'Opaque', data: { 'tls.crt': b64(a.cert), 'tls.key': b64(a.key) } } as Secret,
    ],
    [
      'default/garbage',
      { metadata: { name: 'garbage', resourceVersion: '1' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('nope'), 'tls.key': b64('nope') } } as Secret,
    ],
  ]);
  const store = new CertificateStore(await createFallbackCertificate(), createLogger('test', 'silent'));
  store.update(
    new Map([
      ['a.example.com', 'default/a'],
      ['*.w.example.com', 'default/a'],
      ['o.example.com', 'default/opaque'],
      ['g.example.com', 'default/garbage'],
      ['m.example.com', 'default/missing'],
    ]),
    (key) => secrets.get(key),
  );

  it("picks a secret's certificate by exact name and by a one-label wildcard", () => {
    const ctx = store.contextFor('A.example.com');
    assert.notEqual(ctx, store.fallback);
    assert.equal(store.contextFor('x.w.example.com'), ctx);
  });

  it('falls back for unknown names, no name, and unusable, mistyped or missing secrets', () => {
    for (const name of ['y.x.w.example.com', 'other.org', undefined, 'o.example.com', 'g.example.com', 'm.example.com']) {
      assert.equal(store.contextFor(name), store.fallback, String(name));
    }
  });

  it('does not parse an unchanged secret again on the next update', () => {
    const before = store.contextFor('a.example.com');
    store.update(new Map([['a.example.com', 'default/a']]), (key) => secrets.get(key));
    assert.equal(store.contextFor('a.example.com'), before);
    assert.equal(store.contextFor('x.w.example.com'), store.fallback, 'a host dropped from the table is gone');
  });
});
