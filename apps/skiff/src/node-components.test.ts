import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ensureClusterPki, issueClientCertificate } from '@skiff/pki';
import { ensureKubeletClientPair, nodeComponentIdentity } from './node-components.ts';

it("the apiserver's kubelet-client certificate has no group, and one with O=system:masters is reissued once", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubelet-client-'));
  try {
    const pki = await ensureClusterPki(dir, { apiServerHosts: ['127.0.0.1'] });
    const old = await issueClientCertificate(pki, 'kube-apiserver-kubelet-client', ['system:masters']);
    writeFileSync(join(dir, 'apiserver-kubelet-client.crt'), old.cert);
    await ensureKubeletClientPair(dir, pki);
    const cert = readFileSync(join(dir, 'apiserver-kubelet-client.crt'), 'utf8');
    assert.equal(new X509Certificate(cert).subject, 'CN=kube-apiserver-kubelet-client');
    assert.ok(new X509Certificate(cert).checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'apiserver-kubelet-client.key')))));
    await ensureKubeletClientPair(dir, pki);
    assert.equal(readFileSync(join(dir, 'apiserver-kubelet-client.crt'), 'utf8'), cert, 'a good certificate is kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('each node component has its own identity', () => {
  assert.deepEqual(nodeComponentIdentity('kubelet', 'n1'), { user: 'system:node:n1', groups: ['system:nodes'] });
  assert.deepEqual(nodeComponentIdentity('kube-proxy', 'n1'), { user: 'system:kube-proxy', groups: [] });
  assert.deepEqual(nodeComponentIdentity('dns', 'n1'), { user: 'system:skiff-dns', groups: [] });
  assert.deepEqual(nodeComponentIdentity('local-path', 'n1'), { user: 'system:skiff-local-path', groups: [] });
});
