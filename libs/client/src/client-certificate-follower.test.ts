import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { followKubeconfigCertificate } from './client-certificate-follower.ts';

function selfSigned(dir: string, cn: string): { cert: string; key: string } {
  const [key, cert] = [join(dir, `${cn}.key`), join(dir, `${cn}.crt`)];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${cn}`, '-days', '1'],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

function writeKubeconfig(path: string, pair: { cert: string; key: string }): void {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  writeFileSync(
    `${path}.tmp`,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { 'client-certificate-data': b64(pair.cert), 'client-key-data': b64(pair.key) } }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    }),
  );
  renameSync(`${path}.tmp`, path);
}

it('hands a replaced client certificate to the client, once, and ignores a mismatched key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-follow-'));
  try {
    const [a, b, c] = [selfSigned(dir, 'a'), selfSigned(dir, 'b'), selfSigned(dir, 'c')];
    const path = join(dir, 'kubeconfig');
    writeKubeconfig(path, a);
    const seen: string[] = [];
    const stop = followKubeconfigCertificate(path, { setClientCertificate: (cert) => seen.push(cert) }, { intervalMs: 50 });
    try {
      await sleep(200);
      assert.deepEqual(seen, [], 'the certificate it started with is not handed over again');
      writeKubeconfig(path, { cert: b.cert, key: c.key });
      await sleep(300);
      assert.deepEqual(seen, [], "a certificate with somebody else's key is not taken");
      writeKubeconfig(path, b);
      await sleep(300);
      assert.deepEqual(seen, [b.cert]);
    } finally {
      stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
