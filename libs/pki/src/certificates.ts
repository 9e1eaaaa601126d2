import { webcrypto, randomBytes, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// @peculiar/x509 signs through WebCrypto; Node's implementation is complete for ECDSA P-256.
x509.cryptoProvider.set(webcrypto as webcrypto.Crypto);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
// Backdating notBefore tolerates a few minutes of clock skew between machines of a cluster.
const BACKDATE_MS = 5 * 60 * 1000;

/**
 * How far before now a certificate living `lifeMs` starts: five minutes, but never more than a
 * tenth of its life, so a two-minute certificate (tests) is not born most of the way to renewal.
 */
export function backdateMs(lifeMs: number): number {
  return Math.max(0, Math.min(BACKDATE_MS, Math.floor(lifeMs / 10)));
}

/** A certificate and its private key, both PEM (key in PKCS#8). */
export type CertificatePair = { cert: string; key: string };

/** Who a certificate is for: the subject and what it may be used for. */
export type CertificateRequest = {
  commonName: string;
  organizations?: string[];
  /** DNS names and IP addresses (v4 or v6) for a serving certificate. */
  hosts?: string[];
  usage: 'server' | 'client' | 'server-and-client';
  validityDays: number;
};

/** Generates an ECDSA P-256 key pair (extractable so it can be written as PKCS#8). */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

/**
 * A random, positive, minimally encoded 128-bit serial. Go (kubectl, etcd) rejects negative
 * serials and non-minimal DER integers, so the top bit is cleared and the next one set.
 */
function createSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function createName(commonName: string, organizations: string[] = []): x509.JsonName {
  return [...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }];
}

function createValidity(validityDays: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  const lifeMs = validityDays * DAY_MS;
  return { notBefore: new Date(now - backdateMs(lifeMs)), notAfter: new Date(now + lifeMs) };
}

/** Creates a self-signed certificate authority that may sign leaf certificates only. */
export async function createCertificateAuthority(commonName: string, validityDays: number): Promise<CertificatePair> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: createSerialNumber(),
    name: createName(commonName),
    ...createValidity(validityDays),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportPrivateKeyPem(keys.privateKey) };
}

function createSubjectAltNames(hosts: string[]): x509.JsonGeneralNames {
  const unique = [...new Set(hosts.filter((h) => h.length > 0))];
  return unique.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
}

function getExtendedKeyUsages(usage: CertificateRequest['usage']): string[] {
  if (usage === 'server') return [x509.ExtendedKeyUsage.serverAuth];
  if (usage === 'client') return [x509.ExtendedKeyUsage.clientAuth];
  return [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
}

/** Issues a leaf certificate with a fresh key, signed by the given CA. */
export async function issueCertificate(ca: CertificatePair, request: CertificateRequest): Promise<CertificatePair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importPrivateKeyPem(ca.key);
  const keys = await generateKeyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(getExtendedKeyUsages(request.usage)),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (request.hosts && request.hosts.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(createSubjectAltNames(request.hosts)));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: createSerialNumber(),
    subject: createName(request.commonName, request.organizations),
    issuer: caCert.subjectName,
    ...createValidity(request.validityDays),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await exportPrivateKeyPem(keys.privateKey) };
}

/**
 * Whether `certPem` is still good to serve: signed by the CA, not expiring within `minRemainingDays`,
 * and (when hosts are given) valid for every one of them. Uses Node's own X.509 parser, which is
 * what the apiserver's TLS stack will use too.
 */
export function isCertificateUsable(certPem: string, caPem: string, opts: { minRemainingDays: number; hosts?: string[] }): boolean {
  let cert: NodeX509Certificate;
  let ca: NodeX509Certificate;
  try {
    cert = new NodeX509Certificate(certPem);
    ca = new NodeX509Certificate(caPem);
  } catch {
    return false;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  if (new Date(cert.validTo).getTime() - Date.now() < opts.minRemainingDays * DAY_MS) return false;
  for (const host of opts.hosts ?? []) {
    const matches = isIP(host) ? cert.checkIP(host) : cert.checkHost(host, { wildcards: false });
    if (matches === undefined) return false;
  }
  return true;
}
