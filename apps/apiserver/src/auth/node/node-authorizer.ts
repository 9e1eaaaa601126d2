/**
 * kube's Node authorizer (--authorization-mode=Node): what `system:node:<name>` in group
 * system:nodes may do. Secrets, config maps, claims and volumes are readable one at a time and
 * only when a pod bound to that node leads to them (graph.ts); a service account's token only
 * for an account one of its pods runs as; leases only its own in kube-node-lease; everything
 * else is the system:node rules (node-rules.ts). Whatever it does not allow it has no opinion
 * on, with upstream's reason, so RBAC still decides — and grants nothing of the sort to nodes.
 * Other users: no opinion at all.
 */
import { findResource, NODE_USER_PREFIX, NODES_GROUP, rulesAllow, type PersistentVolume, type Pod } from '@skiff/api';
import type { AuthorizationDecision, Authorizer } from '../../http/authz.ts';
import type { RequestInfo } from '../../http/request-info.ts';
import type { RegistryContext } from '../../registry/context.ts';
import type { UserInfo } from '../../registry/handlers.ts';
import { NodeGraph, type VertexType } from './graph.ts';
import { nodeRules } from './node-rules.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/**
 * A pod bound a moment ago may reach the kubelet's watch before ours: a refusal waits this long
 * for the graph to catch up before it stands. Only refusals wait.
 */
const GRAPH_CATCH_UP_MS = 1000;

/** upstream's NodeIdentity: the node's name, '' for a node user without one, undefined for others. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length);
}

const noOpinion = (reason: string): AuthorizationDecision => ({ allowed: false, noOpinion: true, reason });
const ALLOW: AuthorizationDecision = { allowed: true, reason: '' };

/** What the graph decides (secrets, configmaps, claims, volumes, tokens); undefined: nodeRules decide. */
type GraphQuestion = { type: VertexType } | { refuse: string };

function readOneNamespaced(type: VertexType, info: RequestInfo): GraphQuestion {
  if (!['get', 'list', 'watch'].includes(info.verb)) return { refuse: 'can only read resources of this type' };
  if (info.subresource) return { refuse: 'cannot read subresource' };
  if (!info.namespace) return { refuse: 'can only read namespaced object of this type' };
  return { type };
}

function getOne(type: VertexType, info: RequestInfo): GraphQuestion {
  if (info.verb !== 'get') return { refuse: 'can only get individual resources of this type' };
  if (info.subresource) return { refuse: 'cannot get subresource' };
  return { type };
}

function graphQuestion(info: RequestInfo): GraphQuestion | undefined {
  if (info.group !== '') return undefined;
  switch (info.resource) {
    case 'secrets':
      return readOneNamespaced('secret', info);
    case 'configmaps':
      return readOneNamespaced('configmap', info);
    case 'persistentvolumes':
      return getOne('pv', info);
    case 'persistentvolumeclaims':
      if (info.subresource !== 'status') return getOne('pvc', info);
      if (info.verb !== 'update' && info.verb !== 'patch') return { refuse: 'can only get/update/patch this type' };
      return { type: 'pvc' };
    case 'serviceaccounts':
      if (info.verb !== 'create' || !info.name) return { refuse: 'can only create tokens for individual service accounts' };
      if (info.subresource !== 'token') return { refuse: 'can only create token subresource of serviceaccount' };
      return { type: 'serviceaccount' };
    default:
      return undefined;
  }
}

function authorizeLease(node: string, info: RequestInfo): AuthorizationDecision {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(info.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
  if (info.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  // A create names its lease in the body: NodeRestriction admission checks it.
  if (info.verb !== 'create' && info.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
  return ALLOW;
}

/** The graph, fed by the apiserver's watched pods and volumes; started on first use, restarted if its first list failed. */
class GraphFeed {
  readonly #ctx: RegistryContext;
  #ready: Promise<NodeGraph> | undefined;

  constructor(ctx: RegistryContext) {
    this.#ctx = ctx;
  }

  graph(): Promise<NodeGraph> {
    this.#ready ??= this.#start().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  async #start(): Promise<NodeGraph> {
    const graph = new NodeGraph();
    const pods = this.#ctx.watched.of(findResource('', 'v1', 'pods')!);
    const pvs = this.#ctx.watched.of(findResource('', 'v1', 'persistentvolumes')!);
    // Subscribe, then take what is already there: same tick, so nothing falls between.
    const stops = [
      pods.onChange((now, before) => graph.setPod(now as Pod | undefined, before as Pod | undefined)),
      pvs.onChange((now, before) => graph.setPersistentVolume(now as PersistentVolume | undefined, before as PersistentVolume | undefined)),
    ];
    for (const pod of pods.values()) graph.setPod(pod as Pod, undefined);
    for (const pv of pvs.values()) graph.setPersistentVolume(pv as PersistentVolume, undefined);
    try {
      await Promise.all([pods.synced, pvs.synced]);
    } catch (err) {
      for (const stop of stops) stop();
      throw err;
    }
    return graph;
  }
}

export function nodeAuthorizer(feed: { graph(): Promise<NodeGraph> }): Authorizer {
  return async (user, info) => {
    const node = nodeIdentity(user);
    if (node === undefined) return noOpinion('');
    if (node === '') return noOpinion(`unknown node for user "${user.username}"`);
    if (info.isResourceRequest) {
      if (info.group === 'coordination.k8s.io' && info.resource === 'leases') return authorizeLease(node, info);
      const question = graphQuestion(info);
      if (question && 'refuse' in question) return noOpinion(question.refuse);
      if (question) {
        if (!info.name) return noOpinion('No Object name found');
        let graph: NodeGraph;
        try {
          graph = await feed.graph();
        } catch {
          return noOpinion('the node authorizer has not yet listed pods');
        }
        return (await hasPathSoon(graph, node, question.type, info)) ? ALLOW : noOpinion(`no relationship found between node '${node}' and this object`);
      }
    }
    return rulesAllow(nodeRules, info) ? ALLOW : noOpinion('');
  };
}

async function hasPathSoon(graph: NodeGraph, node: string, type: VertexType, info: RequestInfo): Promise<boolean> {
  const deadline = Date.now() + GRAPH_CATCH_UP_MS;
  for (;;) {
    if (graph.hasPath(node, type, info.namespace, info.name)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await graph.changed(left);
  }
}

export async function createNodeAuthorizer(ctx: RegistryContext): Promise<Authorizer> {
  const feed = new GraphFeed(ctx);
  // Warm it now; a failed first list is retried by the first node request.
  feed.graph().catch(() => undefined);
  return nodeAuthorizer(feed);
}
