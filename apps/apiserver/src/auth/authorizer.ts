/**
 * The cluster's authorizer, kube-apiserver's `--authorization-mode=Node,RBAC` behind the
 * privileged-group authorizer: system:masters may do anything, then the Node authorizer decides
 * for kubelets, then RBAC. Installed on the registry context (admission's second-verb checks,
 * RBAC escalation), with the routes that answer access and rules reviews.
 *
 * The default policy is reconciled before the first request is served, and the authorizer waits
 * for its watched collections' first list, so a fresh apiserver never denies by not knowing yet.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PolicyRule } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { unionAuthorizers, type AuthorizationDecision, type Authorizer } from '../http/authz.ts';
import type { ApiRoute } from '../http/server.ts';
import type { RegistryContext } from '../registry/context.ts';
import type { UserInfo } from '../registry/handlers.ts';
import { createNodeAuthorizer, nodeIdentity } from './node/node-authorizer.ts';
import { nodeRules } from './node/node-rules.ts';
import { accessReviewRoutes } from './rbac/access-reviews.ts';
import { RbacAuthorizer } from './rbac/rbac-authorizer.ts';
import { reconcileBootstrapPolicy } from './rbac/reconcile.ts';

export const MASTERS_GROUP = 'system:masters';

export interface ClusterAuthorization {
  authorize: Authorizer;
  routes: ApiRoute[];
}

/** kube's privileged-group authorizer: system:masters is never asked about rules. */
const allowMasters: Authorizer = (user) =>
  user.groups.includes(MASTERS_GROUP) ? { allowed: true, reason: '' } : { allowed: false, noOpinion: true, reason: '' };

const EVERYTHING: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** What SelfSubjectRulesReview and the escalation check see: the chain's grants as rules. */
function rulesForChain(rbac: RbacAuthorizer): (user: UserInfo, namespace: string | undefined) => PolicyRule[] {
  return (user, namespace) => {
    if (user.groups.includes(MASTERS_GROUP)) return EVERYTHING;
    const rules = rbac.rulesFor(user, namespace);
    // The Node authorizer's grants, as upstream's NodeAuthorizer.RulesFor reports them.
    if (nodeIdentity(user) !== undefined) rules.push(...nodeRules);
    return rules;
  };
}

/** etcd may be electing a leader: retry the policy writes with backoff (0.5 s doubling to 10 s). */
async function reconcileWithRetry(ctx: RegistryContext, logger: Logger): Promise<void> {
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      return await reconcileBootstrapPolicy(ctx, logger);
    } catch (err) {
      logger.warn({ err, retryInMs: delay }, 'bootstrap RBAC policy: reconcile failed; retrying');
      await sleep(delay);
    }
  }
}

export async function setupAuthorization(ctx: RegistryContext, logger: Logger): Promise<ClusterAuthorization> {
  const [node, rbac] = await Promise.all([createNodeAuthorizer(ctx), RbacAuthorizer.create(ctx.watched)]);
  const authorize = unionAuthorizers(allowMasters, node, (user, info) => rbac.authorize(user, info));
  const rulesFor = rulesForChain(rbac);
  ctx.authorization = { authorize: async (user, info): Promise<AuthorizationDecision> => authorize(user, info), rulesFor };
  await reconcileWithRetry(ctx, logger);
  return { authorize, routes: accessReviewRoutes({ authorize, rulesFor }) };
}
