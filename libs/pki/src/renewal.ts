/**
 * Certificate renewal: a leaf is reissued when less than a third of its life remains (as the
 * kubelet's certificate manager does, give or take its jitter), by the CA that signed it, with the
 * same subject, SANs and usages and a fresh key. What is renewed: every leaf under a pki dir whose
 * CA key is there too (the cluster CA's, the front-proxy CA's, etcd's), and the client certificates
 * embedded in kubeconfigs. Files are replaced through tmp+rename, key before certificate, so a
 * reader that follows the certificate file (the apiserver, a RestClient) always finds its key.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { parse, stringify } from 'yaml';
import { issueCertificate, type CertificatePair, type CertificateRequest } from './certificates.ts';
import { LEAF_VALIDITY_DAYS, writeFileAtomic, writePair } from './cluster-pki.ts';

/** Whether more than two thirds of the certificate's life (notBefore → notAfter) has passed at `now`. */
export function isRenewalDue(certPem: string, now: number = Date.now()): boolean {
  const cert = new NodeX509Certificate(certPem);
  const notBefore = new Date(cert.validFrom).getTime();
  const notAfter = new Date(cert.validTo).getTime();
  return now >= notBefore + ((notAfter - notBefore) * 2) / 3;
}

function usageOf(cert: x509.X509Certificate): CertificateRequest['usage'] {
  const usages = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages.map(String) ?? [];
  const server = usages.includes(x509.ExtendedKeyUsage.serverAuth);
  const client = usages.includes(x509.ExtendedKeyUsage.clientAuth);
  if (server && client) return 'server-and-client';
  return server ? 'server' : 'client';
}

/** What to ask for to get `certPem` again: its CN, O, SANs (DNS and IP) and usages. */
export function requestOf(certPem: string, validityDays: number = LEAF_VALIDITY_DAYS): CertificateRequest {
  const cert = new x509.X509Certificate(certPem);
  const commonName = cert.subjectName.getField('CN')[0] ?? '';
  const organizations = cert.subjectName.getField('O');
  const hosts = (cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [])
    .filter((n) => n.type === 'dns' || n.type === 'ip')
    .map((n) => n.value);
  return {
    commonName,
    ...(organizations.length > 0 ? { organizations } : {}),
    ...(hosts.length > 0 ? { hosts } : {}),
    usage: usageOf(cert),
    validityDays,
  };
}

/** A new certificate and key for the same subject, SANs and usages, signed by `ca`. */
export async function reissueLeaf(ca: CertificatePair, certPem: string, validityDays: number = LEAF_VALIDITY_DAYS): Promise<CertificatePair> {
  return issueCertificate(ca, requestOf(certPem, validityDays));
}

export type RenewedCertificate = {
  /** The file renewed, relative to the pki dir's parent ($SKIFF_HOME) when under it; `(user X)` for a kubeconfig's. */
  source: string;
  subject: string;
  notAfter: Date;
};

type Authority = CertificatePair & { parsed: NodeX509Certificate };
type Pair = { dir: string; name: string; cert: string };

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every `NAME.crt` with a `NAME.key` beside it under `dir`, recursively. */
async function findPairs(dir: string): Promise<Pair[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const pairs: Pair[] = [];
  const names = new Set(entries.map((e) => e.name));
  for (const e of entries) {
    if (e.isDirectory()) pairs.push(...(await findPairs(join(dir, e.name))));
    else if (e.name.endsWith('.crt') && names.has(`${e.name.slice(0, -4)}.key`)) {
      const cert = await readIfPresent(join(dir, e.name));
      if (cert?.includes('BEGIN CERTIFICATE')) pairs.push({ dir, name: e.name.slice(0, -4), cert });
    }
  }
  return pairs;
}

function isAuthority(cert: NodeX509Certificate): boolean {
  return cert.ca;
}

function issuerOf(certPem: string, authorities: Authority[]): Authority | undefined {
  const cert = new NodeX509Certificate(certPem);
  return authorities.find((a) => cert.checkIssued(a.parsed) && cert.verify(a.parsed.publicKey));
}

function subjectOf(certPem: string): string {
  return new NodeX509Certificate(certPem).subject.replace(/\n/g, ', ');
}

export type RenewOptions = {
  /** $SKIFF_HOME/pki: the CAs (with keys) and the leaves they signed, etcd's included. */
  pkiDir: string;
  /** Kubeconfigs whose embedded client certificates are renewed too. */
  kubeconfigs?: string[];
  /** Renew every leaf now, due or not (`skiff certs rotate`). */
  force?: boolean;
  now?: number;
  validityDays?: number;
};

async function renewKubeconfig(path: string, authorities: Authority[], opts: RenewOptions, renewed: RenewedCertificate[]): Promise<void> {
  const text = await readIfPresent(path);
  if (text === undefined) return;
  const doc = parse(text) as { users?: Array<{ name: string; user?: Record<string, unknown> }> } | null;
  let changed = false;
  for (const entry of doc?.users ?? []) {
    const data = entry.user?.['client-certificate-data'];
    if (typeof data !== 'string' || typeof entry.user?.['client-key-data'] !== 'string') continue;
    const cert = Buffer.from(data, 'base64').toString('utf8');
    const ca = issuerOf(cert, authorities);
    if (!ca || (!opts.force && !isRenewalDue(cert, opts.now))) continue;
    const pair = await reissueLeaf(ca, cert, opts.validityDays);
    entry.user['client-certificate-data'] = Buffer.from(pair.cert).toString('base64');
    entry.user['client-key-data'] = Buffer.from(pair.key).toString('base64');
    changed = true;
    renewed.push({ source: `${path} (user ${entry.name})`, subject: subjectOf(pair.cert), notAfter: new Date(new NodeX509Certificate(pair.cert).validTo) });
  }
  if (changed) await writeFileAtomic(path, stringify(doc), 0o600);
}

/**
 * Renews what is due (or everything, with `force`) and returns what it renewed. A leaf whose CA
 * key is not in `pkiDir` (e.g. a joined node's) is left alone.
 */
export async function renewCertificates(opts: RenewOptions): Promise<RenewedCertificate[]> {
  const pairs = await findPairs(opts.pkiDir);
  const authorities: Authority[] = [];
  const leaves: Pair[] = [];
  for (const p of pairs) {
    const parsed = new NodeX509Certificate(p.cert);
    if (isAuthority(parsed)) {
      const key = await readIfPresent(join(p.dir, `${p.name}.key`));
      if (key) authorities.push({ cert: p.cert, key, parsed });
    } else leaves.push(p);
  }
  const renewed: RenewedCertificate[] = [];
  for (const leaf of leaves) {
    const ca = issuerOf(leaf.cert, authorities);
    if (!ca || (!opts.force && !isRenewalDue(leaf.cert, opts.now))) continue;
    const pair = await reissueLeaf(ca, leaf.cert, opts.validityDays);
    await writePair(leaf.dir, leaf.name, pair);
    renewed.push({
      source: relative(join(opts.pkiDir, '..'), join(leaf.dir, `${leaf.name}.crt`)),
      subject: subjectOf(pair.cert),
      notAfter: new Date(new NodeX509Certificate(pair.cert).validTo),
    });
  }
  for (const path of opts.kubeconfigs ?? []) await renewKubeconfig(path, authorities, opts, renewed);
  return renewed;
}
