/** Helpers shared by the CSR approver and signer. */
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from '@skiff/api';
import { enqueueObject, type EventMapper } from '@skiff/client';
import type { ParsedCertificateRequest } from '@skiff/pki';

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';

const NODE_CLIENT_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);

export function hasCondition(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status !== 'False');
}

export function isDecided(csr: CertificateSigningRequest): boolean {
  return hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied');
}

export function isIssued(csr: CertificateSigningRequest): boolean {
  return typeof csr.status?.certificate === 'string' && csr.status.certificate !== '';
}

/** The PEM text of spec.request (base64 in JSON). */
export function requestPem(csr: CertificateSigningRequest): string {
  return Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8');
}

/**
 * kube's isNodeClientCert: CN system:node:<name>, O exactly [system:nodes], no SANs,
 * usages within {digital signature, key encipherment, client auth} and including client auth.
 * Returns why not, or undefined when it is one.
 */
export function whyNotNodeClientCert(csr: CertificateSigningRequest, req: ParsedCertificateRequest): string | undefined {
  if (csr.spec?.signerName !== KUBELET_CLIENT_SIGNER) return `signer is ${csr.spec?.signerName ?? '<none>'}`;
  if (!req.commonName.startsWith(NODE_USER_PREFIX) || req.commonName.length === NODE_USER_PREFIX.length) return `common name ${req.commonName} is not system:node:<name>`;
  if (req.organizations.length !== 1 || req.organizations[0] !== NODES_GROUP) return `organizations ${JSON.stringify(req.organizations)} are not [${NODES_GROUP}]`;
  if (req.subjectAltNames.length > 0) return 'a node client certificate carries no subject alternative names';
  const usages = csr.spec?.usages ?? [];
  if (!usages.includes('client auth') || usages.some((u) => !NODE_CLIENT_USAGES.has(u))) return `usages ${JSON.stringify(usages)} are not those of a client certificate`;
  return undefined;
}

/**
 * Who may get a node client certificate approved automatically: a bootstrapper (joining
 * with a bootstrap token), or the node itself renewing (requester == CN), as kube's
 * nodeclient and selfnodeclient approvals.
 */
export function mayAutoApprove(csr: CertificateSigningRequest, req: ParsedCertificateRequest): boolean {
  const groups = csr.spec?.groups ?? [];
  if (groups.includes(BOOTSTRAPPERS_GROUP)) return true;
  return csr.spec?.username === req.commonName && groups.includes(NODES_GROUP);
}

export function condition(type: string, reason: string, message: string, now: Date): CertificateSigningRequestCondition {
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { type, status: 'True', reason, message, lastUpdateTime: at, lastTransitionTime: at };
}

/** Both CSR controllers react to the same thing: a request added or changed, queued by name. */
export function csrEvents(): EventMapper<CertificateSigningRequest> {
  const { add, update } = enqueueObject<CertificateSigningRequest>();
  return { add, update };
}
