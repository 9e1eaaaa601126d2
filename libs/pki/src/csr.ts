/**
 * PKCS#10 certificate signing requests for the TLS bootstrap (`skiff join`): the node makes
 * its key and a CSR, the controller-manager's signer issues the certificate for the CSR's
 * public key. Also the CA pin `sha256:<hex>` over the CA's SubjectPublicKeyInfo, the value
 * kubeadm prints as --discovery-token-ca-cert-hash.
 */
import { createHash, X509Certificate as NodeX509Certificate } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { backdateMs, exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem } from './certificates.ts';

const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const SUBJECT_ALT_NAME_OID = '2.5.29.17';

export type CertificateRequestSubject = { commonName: string; organizations?: string[] };

/** A new ECDSA P-256 key and a CSR for it, both PEM. */
export async function createCertificateRequest(subject: CertificateRequestSubject): Promise<{ csr: string; key: string }> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [...(subject.organizations ?? []).map((o) => ({ O: [o] })), { CN: [subject.commonName] }],
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
  });
  return { csr: csr.toString('pem'), key: await exportPrivateKeyPem(keys.privateKey) };
}

export type ParsedCertificateRequest = {
  commonName: string;
  organizations: string[];
  /** DNS names, e-mail addresses, IPs or URIs asked for in a SubjectAltName extension request. */
  subjectAltNames: string[];
};

/** Parses a PEM CSR and checks its self-signature (proof the requester holds the key). */
export async function parseCertificateRequest(pem: string): Promise<ParsedCertificateRequest> {
  const csr = new x509.Pkcs10CertificateRequest(pem);
  if (!(await csr.verify())) throw new Error('certificate request signature does not verify');
  const raw = csr.getExtension(SUBJECT_ALT_NAME_OID);
  const san = raw ? new x509.SubjectAlternativeNameExtension(raw.rawData) : undefined;
  return {
    commonName: csr.subjectName.getField('CN')[0] ?? '',
    organizations: csr.subjectName.getField('O'),
    subjectAltNames: san ? san.names.items.map((n) => n.value) : [],
  };
}

/**
 * Issues a client certificate (digital signature, client auth) for the CSR's key and subject,
 * signed by `ca`, valid for `validitySeconds` but never beyond the CA's own expiry.
 */
export async function signClientCertificateRequest(ca: { cert: string; key: string }, csrPem: string, validitySeconds: number): Promise<string> {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify())) throw new Error('certificate request signature does not verify');
  const caCert = new x509.X509Certificate(ca.cert);
  const now = Date.now();
  const notAfter = new Date(Math.min(now + validitySeconds * 1000, caCert.notAfter.getTime()));
  const serial = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: csr.subjectName,
    issuer: caCert.subjectName,
    notBefore: new Date(now - backdateMs(notAfter.getTime() - now)),
    notAfter,
    publicKey: csr,
    signingKey: await importPrivateKeyPem(ca.key),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return cert.toString('pem');
}

/** `sha256:<hex>` of the certificate's DER SubjectPublicKeyInfo (kubeadm's CA pin format). */
export function publicKeyPin(certPem: string): string {
  const spki = new NodeX509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}
