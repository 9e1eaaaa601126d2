import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { loadKubeconfig } from '@skiff/client';
import { createCertificateAuthority, issueClientCertificate, renderKubeconfig } from '@skiff/pki';
import { nodeKubeconfigNamingFile } from './join.ts';

test("the joined node's kubeconfig names kubelet-client-current.pem for its certificate and key, so renewals are read from there", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'join-'));
  try {
    const ca = await createCertificateAuthority('ca', 1);
    const pair = await issueClientCertificate({ caCert: ca.cert, caKey: ca.key }, 'system:node:n1', ['system:nodes']);
    const current = join(dir, 'kubelet-client-current.pem');
    writeFileSync(current, `${pair.cert.trimEnd()}\n${pair.key.trimEnd()}\n`, { mode: 0o600 });
    const text = nodeKubeconfigNamingFile(
      renderKubeconfig({ server: 'https://10.0.0.1:6443', caCert: ca.cert, clientCert: pair.cert, clientKey: pair.key, userName: 'system:node:n1' }),
      current,
    );
    assert.doesNotMatch(text, /client-(certificate|key)-data/);
    writeFileSync(join(dir, 'kubeconfig'), text);
    const config = loadKubeconfig(join(dir, 'kubeconfig'));
    assert.equal(config.server, 'https://10.0.0.1:6443');
    assert.equal(config.caCert, ca.cert);
    assert.ok(config.clientCert?.includes(pair.cert.trim()) && config.clientKey?.includes(pair.key.trim()));
    // One file holding both is what TLS is given for each, as kubeadm's kubelet.conf does.
    assert.doesNotThrow(() => createSecureContext({ cert: config.clientCert, key: config.clientKey }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
