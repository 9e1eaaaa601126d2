import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClusterPki, issueClientCertificate } from './cluster-pki.ts';
import { isCertificateUsable } from './certificates.ts';

describe('ensureClusterPki', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-pki-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the CA, the apiserver and admin pairs and the encryption key with private modes', async () => {
    const pki = await ensureClusterPki(dir, { apiServerHosts: ['localhost', '127.0.0.1', 'node-a'] });
    assert.equal(pki.dir, dir);
    for (const name of ['ca.key', 'apiserver.key', 'admin.key', 'encryption.key']) {
      assert.equal((await stat(join(dir, name))).mode & 0o777, 0o600, name);
    }
    assert.match(await readFile(join(dir, 'ca.key'), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    const key = Buffer.from((await readFile(join(dir, 'encryption.key'), 'utf8')).trim(), 'base64');
    assert.equal(key.length, 32);
    assert.equal(pki.caCert, await readFile(join(dir, 'ca.crt'), 'utf8'));
    assert.equal(pki.adminKey, await readFile(join(dir, 'admin.key'), 'utf8'));
  });

  it('makes a 10-year CA that may only sign leaves', async () => {
    const ca = new X509Certificate(await readFile(join(dir, 'ca.crt')));
    assert.equal(ca.ca, true);
    const years = (new Date(ca.validTo).getTime() - Date.now()) / (365 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, `CA valid for ${years} years`);
    assert.equal(ca.subject, 'CN=skiff-ca');
  });

  it('serves the given hosts and the in-cluster names from the apiserver certificate', async () => {
    const cert = new X509Certificate(await readFile(join(dir, 'apiserver.crt')));
    const ca = new X509Certificate(await readFile(join(dir, 'ca.crt')));
    assert.ok(cert.verify(ca.publicKey));
    assert.equal(cert.ca, false);
    for (const host of ['localhost', 'node-a', 'kubernetes', 'kubernetes.default.svc.cluster.local']) {
      assert.equal(cert.checkHost(host), host);
    }
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('10.96.0.1'), '10.96.0.1');
    assert.equal(cert.checkHost('elsewhere.example'), undefined);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  });

  it('makes an admin client certificate in system:masters', async () => {
    const cert = new X509Certificate(await readFile(join(dir, 'admin.crt')));
    assert.equal(cert.subject, 'O=system:masters\nCN=admin');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  });

  it('keeps every existing file on a second run', async () => {
    const names = ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'admin.crt', 'admin.key', 'encryption.key'];
    const beforeRun = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
    await ensureClusterPki(dir, { apiServerHosts: ['localhost', '127.0.0.1', 'node-a'] });
    const afterRun = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
    assert.deepEqual(afterRun, beforeRun);
  });

  it('reissues only the apiserver certificate when a new host appears, under the same CA', async () => {
    const caBefore = await readFile(join(dir, 'ca.crt'), 'utf8');
    const adminBefore = await readFile(join(dir, 'admin.crt'), 'utf8');
    const pki = await ensureClusterPki(dir, { apiServerHosts: ['localhost', '192.0.2.7'] });
    assert.equal(pki.caCert, caBefore);
    assert.equal(pki.adminCert, adminBefore);
    const cert = new X509Certificate(await readFile(join(dir, 'apiserver.crt')));
    assert.equal(cert.checkIP('192.0.2.7'), '192.0.2.7');
    assert.ok(isCertificateUsable(cert.toString(), caBefore, { minRemainingDays: 30, hosts: ['192.0.2.7'] }));
  });

  it('reissues a leaf that another CA signed', async () => {
    const other = await mkdtemp(join(tmpdir(), 'skiff-pki-other-'));
    try {
      const foreign = await ensureClusterPki(other, { apiServerHosts: ['localhost'] });
      await writeFile(join(dir, 'admin.crt'), foreign.adminCert);
      await writeFile(join(dir, 'admin.key'), foreign.adminKey);
      const pki = await ensureClusterPki(dir, { apiServerHosts: ['localhost'] });
      assert.notEqual(pki.adminCert, foreign.adminCert);
      assert.ok(new X509Certificate(pki.adminCert).verify(new X509Certificate(pki.caCert).publicKey));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('refuses to overwrite a malformed encryption key (it would make stored Secrets unreadable)', async () => {
    const other = await mkdtemp(join(tmpdir(), 'skiff-pki-enc-'));
    try {
      await writeFile(join(other, 'encryption.key'), 'short\n');
      await assert.rejects(ensureClusterPki(other, { apiServerHosts: [] }), /encryption\.key/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('issueClientCertificate', () => {
  it('puts the user in CN and each group in its own O', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-pki-client-'));
    try {
      const pki = await ensureClusterPki(dir, { apiServerHosts: [] });
      const { cert, key } = await issueClientCertificate(pki, 'jane', ['dev', 'ops, with comma']);
      const parsed = new X509Certificate(cert);
      // Node escapes the comma when printing; it is one O value, not two.
      assert.equal(parsed.subject, 'O=dev\nO=ops\\, with comma\nCN=jane');
      assert.ok(parsed.verify(new X509Certificate(pki.caCert).publicKey));
      assert.match(key, /^-----BEGIN PRIVATE KEY-----/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
