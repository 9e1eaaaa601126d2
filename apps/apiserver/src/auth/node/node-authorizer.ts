/**
 * kube's Node authorizer: what `system:node:<name>` (group system:nodes) may read and write,
 * from a graph of the pods bound to each node. (To be written: no opinion on anything yet.)
 */
import type { Authorizer } from '../../http/authz.ts';
import type { RegistryContext } from '../../registry/context.ts';

export async function createNodeAuthorizer(_ctx: RegistryContext): Promise<Authorizer> {
  return () => ({ allowed: false, noOpinion: true, reason: '' });
}
