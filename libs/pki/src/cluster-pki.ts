import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, isCertificateUsable, issueCertificate, type CertificatePair } from './certificates.ts';

/** The cluster's CA and the admin's client credentials, as PEM strings. */
export type ClusterPki = {
  dir: string;
  caCert: string;
  caKey: string;
  adminCert: string;
  adminKey: string;
};

export type EnsureClusterPkiOptions = {
  /** DNS names and IPs the apiserver is reached at; the in-cluster names are always added. */
  apiServerHosts: string[];
};

export const CA_VALIDITY_DAYS = 3650;
/** A leaf's life: one year, or SKIFF_CERT_VALIDITY_SECONDS (tests make it minutes to watch rotation happen). */
export const LEAF_VALIDITY_DAYS = leafValidityDays();

export function leafValidityDays(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.SKIFF_CERT_VALIDITY_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds / 86_400 : 365;
}
// A leaf certificate closer than this to expiry is reissued by the next `ensureClusterPki`
// (30 days, or a third of a shortened life).
export const RENEW_BEFORE_DAYS = Math.min(30, LEAF_VALIDITY_DAYS / 3);

/** Names every apiserver certificate carries: what pods use to reach the `kubernetes` Service. */
export const IN_CLUSTER_API_HOSTS = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  // The first address of the default service range (10.96.0.0/12), the `kubernetes` Service's ClusterIP.
  '10.96.0.1',
];

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`pki: cannot read ${path}`, { cause: err });
  }
}

/** Writes through a temporary file and a rename so a crash never leaves half a key behind. */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

async function readPair(dir: string, name: string): Promise<CertificatePair | undefined> {
  const [cert, key] = await Promise.all([readIfExists(join(dir, `${name}.crt`)), readIfExists(join(dir, `${name}.key`))]);
  return cert !== undefined && key !== undefined ? { cert, key } : undefined;
}

export async function writePair(dir: string, name: string, pair: CertificatePair): Promise<void> {
  // Key first: a certificate on disk always has its key beside it.
  await writeFileAtomic(join(dir, `${name}.key`), pair.key, 0o600);
  await writeFileAtomic(join(dir, `${name}.crt`), pair.cert, 0o644);
}

/**
 * Loads the pair `name` from `dir` when it is usable, else issues and writes a new one.
 * `isUsable` decides whether an existing pair is kept (e.g. signed by our CA, SANs cover the hosts).
 */
export async function ensurePair(
  dir: string,
  name: string,
  isUsable: (pair: CertificatePair) => boolean,
  issue: () => Promise<CertificatePair>,
): Promise<CertificatePair> {
  const existing = await readPair(dir, name);
  if (existing && isUsable(existing)) return existing;
  const pair = await issue();
  await writePair(dir, name, pair);
  return pair;
}

async function ensureEncryptionKey(dir: string): Promise<void> {
  const path = join(dir, 'encryption.key');
  const existing = await readIfExists(path);
  if (existing !== undefined && Buffer.from(existing.trim(), 'base64').length === 32) return;
  if (existing !== undefined) throw new Error(`pki: ${path} is not 32 base64-encoded bytes; refusing to replace it`);
  await writeFileAtomic(path, `${randomBytes(32).toString('base64')}\n`, 0o600);
}

/**
 * The service-account key pair (sa.key, private, PKCS#8; sa.pub, SPKI), RSA 2048 as kubeadm makes
 * it: the apiserver signs tokens with the private key and checks them with the public one.
 */
async function ensureServiceAccountKey(dir: string): Promise<void> {
  const keyPath = join(dir, 'sa.key');
  if ((await readIfExists(keyPath)) !== undefined && (await readIfExists(join(dir, 'sa.pub'))) !== undefined) return;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFileAtomic(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
  await writeFileAtomic(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
}

/**
 * Makes `dir` hold a complete cluster PKI and returns it. Existing files are kept, so a restart never
 * invalidates the kubeconfigs already handed out; only missing pieces are created, and leaf
 * certificates are reissued when they are near expiry, not signed by the CA, or (apiserver) miss a
 * requested host name — e.g. the machine got a new IP address.
 */
export async function ensureClusterPki(dir: string, opts: EnsureClusterPkiOptions): Promise<ClusterPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await ensurePair(
    dir,
    'ca',
    () => true,
    () => createCertificateAuthority('skiff-ca', CA_VALIDITY_DAYS),
  );
  const hosts = [...new Set([...opts.apiServerHosts, ...IN_CLUSTER_API_HOSTS])];
  await ensurePair(
    dir,
    'apiserver',
    (pair) => isCertificateUsable(pair.cert, ca.cert, { minRemainingDays: RENEW_BEFORE_DAYS, hosts }),
    () => issueCertificate(ca, { commonName: 'kube-apiserver', hosts, usage: 'server', validityDays: LEAF_VALIDITY_DAYS }),
  );
  const admin = await ensurePair(
    dir,
    'admin',
    (pair) => isCertificateUsable(pair.cert, ca.cert, { minRemainingDays: RENEW_BEFORE_DAYS }),
    () => issueClientCertificate({ caCert: ca.cert, caKey: ca.key }, 'admin', ['system:masters']),
  );
  await ensureEncryptionKey(dir);
  await ensureServiceAccountKey(dir);
  return { dir, caCert: ca.cert, caKey: ca.key, adminCert: admin.cert, adminKey: admin.key };
}

/**
 * Issues a client certificate for user `cn` in `groups` (the apiserver maps CN → user, O → groups,
 * as Kubernetes does). Nothing is written to disk.
 */
export async function issueClientCertificate(pki: Pick<ClusterPki, 'caCert' | 'caKey'>, cn: string, groups: string[]): Promise<CertificatePair> {
  return issueCertificate({ cert: pki.caCert, key: pki.caKey }, { commonName: cn, organizations: groups, usage: 'client', validityDays: LEAF_VALIDITY_DAYS });
}
