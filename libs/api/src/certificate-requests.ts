/**
 * What Kubernetes' built-in signers accept (pkg/apis/certificates' ValidateKubeletClientCSR):
 * shared by the apiserver, which refuses a kubelet-client request that could never be signed
 * when it is created, and the controller-manager's approver and signer. Pure: the caller
 * parses the PKCS#10 request (@skiff/pki parseCertificateRequest) and passes its subject.
 */

/** Client certificates for kubelets (`system:node:<name>` in system:nodes). */
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Any client certificate for the apiserver (never for system:masters). */
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const NODES_GROUP = 'system:nodes';
export const MASTERS_GROUP = 'system:masters';
export const NODE_USER_PREFIX = 'system:node:';

export interface CertificateRequestIdentity {
  commonName: string;
  organizations: string[];
  subjectAltNames: string[];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
}

/** The two usage sets upstream accepts (with key encipherment for RSA keys, without for EC). */
const KUBELET_CLIENT_USAGES = [
  ['digital signature', 'key encipherment', 'client auth'],
  ['digital signature', 'client auth'],
];

/**
 * Why a request is not a kubelet client certificate (upstream's wording), or undefined when
 * it is: O exactly [system:nodes], no subject alternative names, CN system:node:<name>, and
 * the client usages.
 */
export function whyNotKubeletClientRequest(subject: CertificateRequestIdentity, usages: readonly string[]): string | undefined {
  if (subject.organizations.length !== 1 || subject.organizations[0] !== NODES_GROUP) return `subject organization is not ${NODES_GROUP}`;
  if (subject.subjectAltNames.length > 0) return 'subjectAltNames are not allowed';
  if (!subject.commonName.startsWith(NODE_USER_PREFIX) || subject.commonName.length === NODE_USER_PREFIX.length) {
    return `subject common name does not begin with ${NODE_USER_PREFIX}`;
  }
  if (!KUBELET_CLIENT_USAGES.some((allowed) => sameSet(allowed, usages))) return `usages did not match [${[...KUBELET_CLIENT_USAGES[0]!].sort().join(' ')}]`;
  return undefined;
}

/** Whether a certificate with this subject would authenticate as a member of system:masters. */
export function namesMasters(subject: Pick<CertificateRequestIdentity, 'organizations'>): boolean {
  return subject.organizations.includes(MASTERS_GROUP);
}
