/**
 * The registry: Kubernetes verb semantics over the Store, behind the ApiHandlers contract
 * the HTTP layer calls. Each verb lives in its own file; this one wires them together and
 * routes subresources.
 */
import type { ResourceInfo } from '@skiff/api';
import { createLogger, type Logger } from '@skiff/log';
import { ApiError } from '../errors.ts';
import type { KubeObject, Store } from '../storage/store.ts';
import type { ApiHandlers, PatchType, WriteOptions } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { createBinding } from './binding.ts';
import { bootstrapCluster } from './bootstrap.ts';
import { NamespaceCache } from './namespace-cache.ts';
import { ClusterIpAllocator } from './cluster-ip-allocator.ts';
import { createObject } from './create.ts';
import { isCertificateSigningRequests, patchApproval, stampRequester, updateApproval } from './csr.ts';
import { deleteObject } from './delete.ts';
import { finalizeNamespace } from './finalize.ts';
import { deleteCollection, getObject, listObjects, watchObjects } from './list.ts';
import { NodePortAllocator } from './node-port-allocator.ts';
import { patchObject } from './patch.ts';
import { getScale, patchScale, updateScale } from './scale.ts';
import { patchStatus, updateStatus } from './status.ts';
import { addDefaultTolerations } from './strategy/pod.ts';
import { stopClaimAdmission } from './strategy/persistentvolumeclaim.ts';
import { replaceObject } from './update.ts';
import { createConvertingStore } from './conversion/converting-store.ts';
import { WatchedCollections } from '../storage/watched-collection.ts';
import type { RegistryAuthorization } from './context.ts';
import { createTokenRequest } from './token-request.ts';
import { createEviction } from './eviction.ts';
import { ServedResources } from './custom-resources/served-resources.ts';
import { startRegistryControllers, type RegistryControllers } from './controllers.ts';
import { loadAdmissionConfiguration, podSecurityConfigFrom } from './admission/pod-security/config.ts';

/** Until index.ts installs the cluster's authorizer (and in registry tests): everyone may do everything. */
const allowEverything: RegistryAuthorization = {
  authorize: () => Promise.resolve({ allowed: true, reason: 'no authorizer installed' }),
  rulesFor: () => [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    { verbs: ['*'], nonResourceURLs: ['*'] },
  ],
};

export interface RegistryOptions {
  store: Store;
  serviceClusterIpRange?: string;
  serviceNodePortRange?: string;
  advertiseAddress?: string;
  /** The apiserver's secure port: the `kubernetes` Service's targetPort (default 6443). */
  advertisePort?: number;
  logger?: Logger;
  /** Tests pin the clock. */
  now?: () => Date;
  /** DefaultTolerationSeconds admission: seconds new pods tolerate node.kubernetes.io/not-ready:NoExecute (default 300). */
  defaultNotReadyTolerationSeconds?: number;
  /** ... and node.kubernetes.io/unreachable:NoExecute (default 300). */
  defaultUnreachableTolerationSeconds?: number;
  /** --admission-control-config-file: PodSecurity's defaults and exemptions (absent: baseline enforced, kube-system exempt). */
  admissionControlConfigFile?: string;
}

export type Registry = ApiHandlers & {
  bootstrap(): Promise<void>;
  /** Stops the registry's own watches (the store is closed by its owner). */
  close(): void;
  readonly clusterIps: ClusterIpAllocator;
  readonly nodePorts: NodePortAllocator;
  /** The verbs' shared context: index.ts installs the authorization and the token issuer on it. */
  readonly context: RegistryContext;
  /** What is served now: the HTTP layer resolves paths and builds discovery from it. */
  readonly served: ServedResources;
  /** readyz: the custom resources of the CRDs stored at start are served (false until bootstrap has run). */
  customResourcesSynced(): boolean;
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function subresourceNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

/** A subresource is served only where the resource table lists it. */
function requireSubresource(res: ResourceInfo, sub: string): void {
  if (!res.subresources.includes(sub)) throw subresourceNotFound();
}

export function createRegistry(opts: RegistryOptions): Registry {
  const logger = opts.logger ?? createLogger('registry');
  // Read once at start, as kube-apiserver does: a malformed file stops the apiserver here.
  const admissionConfigurations = loadAdmissionConfiguration(opts.admissionControlConfigFile);
  const ctx: RegistryContext = {
    // Verbs work in the request's version; kinds served in several versions are stored in one.
    store: createConvertingStore(opts.store, () => ctx),
    logger,
    clusterIps: new ClusterIpAllocator(opts.store, opts.serviceClusterIpRange),
    nodePorts: new NodePortAllocator(opts.store, opts.serviceNodePortRange),
    namespaces: new NamespaceCache(opts.store, logger),
    watched: new WatchedCollections(opts.store, logger),
    authorization: allowEverything,
    served: new ServedResources(),
    admission: { configurations: admissionConfigurations, podSecurity: podSecurityConfigFrom(admissionConfigurations) },
    now: opts.now ?? (() => new Date()),
  };

  const notReadySeconds = opts.defaultNotReadyTolerationSeconds ?? 300;
  const unreachableSeconds = opts.defaultUnreachableTolerationSeconds ?? 300;
  // Admission runs before the generic create path (which would reject a malformed body anyway).
  const admit = (res: ResourceInfo, body: unknown): unknown => {
    if (res.group === '' && res.resource === 'pods' && isObject(body) && (body.spec === undefined || isObject(body.spec))) {
      addDefaultTolerations(body as KubeObject, notReadySeconds, unreachableSeconds);
    }
    return body;
  };

  let controllers: RegistryControllers | undefined;
  return {
    clusterIps: ctx.clusterIps,
    nodePorts: ctx.nodePorts,
    context: ctx,
    served: ctx.served,
    customResourcesSynced: () => controllers?.customResourcesSynced() ?? false,
    bootstrap: async () => {
      await bootstrapCluster(ctx, opts.advertiseAddress, opts.advertisePort);
      controllers ??= startRegistryControllers(ctx);
    },
    close: () => {
      controllers?.stop();
      ctx.namespaces.close();
      ctx.watched.close();
      stopClaimAdmission();
    },

    get: (res, ns, name) => getObject(ctx, res, ns, name),
    list: (res, ns, query) => listObjects(ctx, res, ns, query),
    watch: (res, ns, query, signal) => watchObjects(ctx, res, ns, query, signal),
    create: (res, ns, body, wopts) =>
      res.group === '' && res.resource === 'bindings'
        ? createBinding(ctx, ns, undefined, body, wopts)
        : createObject(ctx, res, ns, admit(res, isCertificateSigningRequests(res) ? stampRequester(body, wopts.user) : body), wopts),
    update: (res, ns, name, body, wopts) => replaceObject(ctx, res, ns, name, body, wopts),
    patch: (res, ns, name, type, patch, wopts) => patchObject(ctx, res, ns, name, type, patch, wopts),
    delete: (res, ns, name, dopts, user) => deleteObject(ctx, res, ns, name, { ...dopts, user }),
    deleteCollection: (res, ns, query, dopts, user) => deleteCollection(ctx, res, ns, query, { ...dopts, user }),

    async getSubresource(res, ns, name, sub) {
      requireSubresource(res, sub);
      if (sub === 'status' || sub === 'approval') return getObject(ctx, res, ns, name);
      if (sub === 'scale') return getScale(ctx, res, ns, name);
      throw subresourceNotFound();
    },
    async updateSubresource(res, ns, name, sub, body, wopts: WriteOptions) {
      requireSubresource(res, sub);
      if (sub === 'status') return updateStatus(ctx, res, ns, name, body, wopts);
      if (sub === 'scale') return updateScale(ctx, res, ns, name, body, wopts);
      if (sub === 'finalize' && res.resource === 'namespaces') return finalizeNamespace(ctx, res, name, body, wopts);
      if (sub === 'approval' && isCertificateSigningRequests(res)) return updateApproval(ctx, res, name, body, wopts);
      throw subresourceNotFound();
    },
    async patchSubresource(res, ns, name, sub, type: PatchType, patch, wopts) {
      requireSubresource(res, sub);
      if (sub === 'status') return patchStatus(ctx, res, ns, name, type, patch, wopts);
      if (sub === 'scale') return patchScale(ctx, res, ns, name, type, patch, wopts);
      if (sub === 'approval' && isCertificateSigningRequests(res)) return patchApproval(ctx, res, name, type, patch, wopts);
      throw subresourceNotFound();
    },
    async createSubresource(res, ns, name, sub, body, wopts) {
      requireSubresource(res, sub);
      if (sub === 'binding' && res.resource === 'pods') return createBinding(ctx, ns, name, body, wopts);
      if (sub === 'token' && res.group === '' && res.resource === 'serviceaccounts') return createTokenRequest(ctx, ns!, name, body, wopts);
      if (sub === 'eviction' && res.group === '' && res.resource === 'pods') return createEviction(ctx, ns, name, body, wopts);
      throw subresourceNotFound();
    },
  };
}
