/**
 * kubernetes.io/kubelet-serving: what the signer accepts (upstream's ValidateKubeletServingCSR),
 * what Skiff's approver approves (upstream leaves these to an external approver; Skiff checks
 * them as kubelet-csr-approver does) and the issuing of a serving certificate with the CSR's
 * subjectAltNames.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { CertificateSigningRequest, Node } from '@skiff/api';
import type { ParsedCertificateRequest } from '@skiff/pki';

export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const NODES_GROUP = 'system:nodes';
const NODE_PREFIX = 'system:node:';
const SERVING_USAGES = [
  ['digital signature', 'key encipherment', 'server auth'],
  ['digital signature', 'server auth'],
];

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Why the kubelet-serving signer will not issue this request, or undefined. */
export function whyNotKubeletServingRequest(csr: CertificateSigningRequest, req: ParsedCertificateRequest): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== NODES_GROUP) return `subject organization is not ${NODES_GROUP}`;
  if (!req.commonName.startsWith(NODE_PREFIX) || req.commonName === NODE_PREFIX) return `subject common name does not begin with ${NODE_PREFIX}`;
  if (req.subjectAltNames.length === 0) return 'DNS or IP subjectAltName is required';
  if (req.subjectAltNames.some((n) => n.includes('@'))) return 'Email subjectAltNames are not allowed';
  if (req.subjectAltNames.some((n) => n.includes('://'))) return 'URI subjectAltNames are not allowed';
  const usages = csr.spec?.usages ?? [];
  if (!SERVING_USAGES.some((allowed) => sameSet(allowed, usages))) return `usages did not match [${SERVING_USAGES[0]!.join(' ')}]`;
  return undefined;
}

/**
 * Why the approver leaves this request pending, or undefined to approve: a valid serving request,
 * made by the node it names (requester system:node:<name> in system:nodes), whose every
 * subjectAltName is one of the addresses that Node reports.
 */
export function whyNotApprovedServing(csr: CertificateSigningRequest, req: ParsedCertificateRequest, node: Node | undefined): string | undefined {
  const invalid = whyNotKubeletServingRequest(csr, req);
  if (invalid) return invalid;
  if (csr.spec?.username !== req.commonName || !(csr.spec?.groups ?? []).includes(NODES_GROUP))
    return `requester ${csr.spec?.username ?? ''} is not ${req.commonName}`;
  const nodeName = req.commonName.slice(NODE_PREFIX.length);
  if (!node) return `node ${nodeName} is not registered`;
  const known = new Set((node.status?.addresses ?? []).map((a) => a.address));
  const foreign = req.subjectAltNames.filter((n) => !known.has(n));
  if (foreign.length > 0) return `subjectAltNames [${foreign.join(' ')}] are not addresses of node ${nodeName}`;
  return undefined;
}

const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const SAN_OID = '2.5.29.17';

/** A serving certificate (server auth) for the CSR's key, subject and subjectAltNames, never outliving the CA. */
export async function signServingRequest(ca: { cert: string; key: string }, csrPem: string, validitySeconds: number): Promise<string> {
  const request = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await request.verify())) throw new Error('certificate request signature does not verify');
  const issuer = new x509.X509Certificate(ca.cert);
  const der = x509.PemConverter.decodeFirst(ca.key);
  const signingKey = await crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const san = request.getExtension(SAN_OID);
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const start = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(serial).toString('hex'),
    subject: request.subjectName,
    issuer: issuer.subjectName,
    // Backdated for clock skew, but by at most a tenth of the life: renewal is planned from notBefore (70–90% of the span).
    notBefore: new Date(start - Math.min(5 * 60_000, validitySeconds * 100)),
    notAfter: new Date(Math.min(start + validitySeconds * 1000, issuer.notAfter.getTime())),
    publicKey: request,
    signingKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ...(san ? [new x509.SubjectAlternativeNameExtension(san.rawData)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey),
    ],
  });
  return certificate.toString('pem');
}
