/** Helpers shared by the CSR approver and signer. */
import { KUBELET_CLIENT_SIGNER, whyNotKubeletClientRequest, type CertificateSigningRequest, type CertificateSigningRequestCondition } from '@skiff/api';
import { enqueueObject, type EventMapper } from '@skiff/client';
import type { ParsedCertificateRequest } from '@skiff/pki';

export { KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER } from '@skiff/api';

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
 * kube's isNodeClientCert: the kubelet-client signer, and a request that is exactly a node's
 * client certificate (libs/api whyNotKubeletClientRequest). Returns why not, or undefined.
 */
export function whyNotNodeClientCert(csr: CertificateSigningRequest, req: ParsedCertificateRequest): string | undefined {
  if (csr.spec?.signerName !== KUBELET_CLIENT_SIGNER) return `signer is ${csr.spec?.signerName ?? '<none>'}`;
  return whyNotKubeletClientRequest(req, csr.spec?.usages ?? []);
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
