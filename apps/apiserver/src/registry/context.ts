/** What every verb file of the registry works with. */
import type { PolicyRule } from '@skiff/api';
import type { Logger } from '@skiff/log';
import type { AuthorizationDecision } from '../http/authz.ts';
import type { RequestInfo } from '../http/request-info.ts';
import type { Store } from '../storage/store.ts';
import type { WatchedCollections } from '../storage/watched-collection.ts';
import type { ClusterIpAllocator } from './cluster-ip-allocator.ts';
import type { UserInfo } from './handlers.ts';
import type { NamespaceCache } from './namespace-cache.ts';
import type { NodePortAllocator } from './node-port-allocator.ts';
import type { TokenIssuer } from '../auth/serviceaccount/token-issuer.ts';
import type { ServedResources } from './custom-resources/served-resources.ts';
import type { AdmissionPluginConfigurations, PodSecurityConfig } from './admission/pod-security/config.ts';

/**
 * What the registry asks of authorization: admission plugins that decide on a second verb
 * (`bind`, `escalate`, `approve`, `sign`) and RBAC's escalation check, which needs the rules
 * a user already holds. index.ts installs the cluster's authorizer; until then everything is
 * allowed and every user holds every rule.
 */
export interface RegistryAuthorization {
  authorize(user: UserInfo, attributes: RequestInfo): Promise<AuthorizationDecision>;
  /** The RBAC rules `user` holds in `namespace` (cluster-wide ones included; undefined: cluster-wide only). */
  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[];
}

export interface RegistryContext {
  store: Store;
  logger: Logger;
  clusterIps: ClusterIpAllocator;
  nodePorts: NodePortAllocator;
  /** Namespaces for the create path's lifecycle check (watch-fed, live read on a miss). */
  namespaces: NamespaceCache;
  /** The apiserver's informers (storage/watched-collection.ts), shared by admission, authorization and authentication. */
  watched: WatchedCollections;
  authorization: RegistryAuthorization;
  /** Built-in resources and the custom ones established CRDs add (custom-resources/). */
  served: ServedResources;
  /** Signs and checks service-account tokens; absent when the apiserver has no service-account key. */
  serviceAccountTokens?: TokenIssuer;
  /** --admission-control-config-file, read at start: each plugin's configuration by name, and PodSecurity's resolved (absent: Skiff's defaults). */
  admission?: { configurations: AdmissionPluginConfigurations; podSecurity: PodSecurityConfig };
  /** Wall clock, injectable so deletion timestamps can be asserted. */
  now(): Date;
}
