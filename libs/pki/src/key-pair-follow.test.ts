import { it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCertificateAuthority, issueCertificate } from './certificates.ts';
import { followKeyPair } from './key-pair-follow.ts';

const quiet = { info: () => undefined, warn: () => undefined };

it("hands over a replaced pair once, and never a certificate with someone else's key", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-follow-'));
  try {
    const ca = await createCertificateAuthority('test-ca', 1);
    const leaf = () => issueCertificate(ca, { commonName: 'server', hosts: ['127.0.0.1'], usage: 'server', validityDays: 1 });
    const files = { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
    const first = await leaf();
    writeFileSync(files.cert, first.cert);
    writeFileSync(files.key, first.key);
    const seen: string[] = [];
    const stop = followKeyPair(files, (pair) => seen.push(new X509Certificate(pair.cert).serialNumber), { logger: quiet, what: 'test', intervalMs: 20 });
    await sleep(100);
    assert.deepEqual(seen, [], 'the pair it started with is not news');

    const second = await leaf();
    writeFileSync(files.cert, second.cert); // the key not yet: caught half-written
    await sleep(100);
    assert.deepEqual(seen, [], 'a certificate whose key is not beside it waits');
    writeFileSync(files.key, second.key);
    await sleep(100);
    assert.deepEqual(seen, [new X509Certificate(second.cert).serialNumber]);
    stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
