/**
 * Who may approve or sign for a signer, as upstream's certificates.IsAuthorizedForSignerName:
 * the verb (`approve`, `sign`) on the cluster-scoped pseudo-resource `signers` of
 * certificates.k8s.io named after the signer (`kubernetes.io/kube-apiserver-client`), or
 * failing that the signer's domain wildcard (`kubernetes.io/*`). RBAC grants it with rules
 * like `{apiGroups: [certificates.k8s.io], resources: [signers], resourceNames:
 * [kubernetes.io/kube-apiserver-client-kubelet], verbs: [approve]}`.
 */
import type { ResourceInfo } from '@skiff/api';
import type { RequestInfo } from '../../http/request-info.ts';
import type { RegistryContext } from '../context.ts';
import type { UserInfo } from '../handlers.ts';

export function signerAttributes(verb: string, name: string): RequestInfo {
  return {
    isResourceRequest: true,
    path: '',
    verb,
    group: 'certificates.k8s.io',
    version: '*',
    resource: 'signers',
    subresource: '',
    name,
    rest: [],
  };
}

export async function isAuthorizedForSigner(ctx: RegistryContext, user: UserInfo, verb: 'approve' | 'sign', signerName: string): Promise<boolean> {
  if ((await ctx.authorization.authorize(user, signerAttributes(verb, signerName))).allowed) return true;
  const domain = signerName.split('/')[0];
  return (await ctx.authorization.authorize(user, signerAttributes(verb, `${domain}/*`))).allowed;
}

/** certificates.k8s.io CertificateSigningRequests (registry/csr.ts re-exports it). */
export function isCsrResource(res: ResourceInfo): boolean {
  return res.group === 'certificates.k8s.io' && res.resource === 'certificatesigningrequests';
}
