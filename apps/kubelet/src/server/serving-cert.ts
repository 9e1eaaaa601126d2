/**
 * The kubelet's serving certificate: the files given by --tls-cert-file/--tls-private-key-file, or,
 * like upstream without them, a self-signed pair kept under root-dir/pki (a private CA signs it, so
 * clients that pin the CA could verify it; the apiserver doesn't by default).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, isCertificateUsable, issueCertificate } from '@skiff/pki';

export interface ServingCert {
  cert: string;
  key: string;
}

async function readPair(certFile: string, keyFile: string): Promise<ServingCert | undefined> {
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch {
    return undefined;
  }
}

export async function loadServingCert(opts: { certFile?: string; keyFile?: string; rootDir: string; hosts: string[] }): Promise<ServingCert> {
  if (opts.certFile || opts.keyFile) {
    if (!opts.certFile || !opts.keyFile) throw new Error('kubelet: --tls-cert-file and --tls-private-key-file go together');
    const pair = await readPair(opts.certFile, opts.keyFile);
    if (!pair) throw new Error(`kubelet: cannot read ${opts.certFile} / ${opts.keyFile}`);
    return pair;
  }
  const dir = join(opts.rootDir, 'pki');
  const certFile = join(dir, 'kubelet.crt');
  const keyFile = join(dir, 'kubelet.key');
  const hosts = [...new Set([hostname(), 'localhost', '127.0.0.1', ...opts.hosts.filter((h) => h && h !== '0.0.0.0' && h !== '::')])];
  const existing = await readPair(certFile, keyFile);
  const caCert = await readFile(join(dir, 'kubelet-ca.crt'), 'utf8').catch(() => undefined);
  if (existing && caCert && isCertificateUsable(existing.cert, caCert, { minRemainingDays: 30, hosts })) return existing;
  const ca = await createCertificateAuthority(`${hostname()}-ca@${Math.floor(Date.now() / 1000)}`, 365);
  const pair = await issueCertificate(ca, { commonName: `${hostname()}@${Math.floor(Date.now() / 1000)}`, hosts, usage: 'server', validityDays: 365 });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'kubelet-ca.crt'), ca.cert);
  await writeFile(certFile, pair.cert);
  await writeFile(keyFile, pair.key, { mode: 0o600 });
  return pair;
}
