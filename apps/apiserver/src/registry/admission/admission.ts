/**
 * The admission chain, as kube-apiserver runs it: after an object is decoded and before it is
 * stored, every mutating plugin may change it (in order), then every validating plugin may
 * refuse it (in order). Plugins are one file each, listed in plugins.ts; a refusal is an
 * ApiError (usually 403 Forbidden in Kubernetes' words) and nothing is written.
 *
 * The chain runs on create, on every update path (main resource and subresources: status,
 * scale, approval...), and on delete, with the authenticated user. Writes the apiserver makes
 * itself (bootstrap) run as APISERVER_USER through it too.
 */
import type { ResourceInfo } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import type { UserInfo } from '../handlers.ts';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  res: ResourceInfo;
  /** '' for the resource itself; 'status', 'scale', 'approval', 'binding', 'token', 'eviction'... */
  subresource: string;
  operation: AdmissionOperation;
  namespace: string | undefined;
  name: string;
  /** The object to be stored (create, update; for subresource creates the request body, e.g. a Binding). Mutating plugins change it in place. */
  object?: KubeObject;
  /** The stored object (update, delete). */
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
  /** Warnings for the client (admission webhooks' `warnings`): sent as HTTP Warning headers with the write's answer. */
  warnings?: string[];
  /**
   * Annotations for the request's audit event (`pod-security.kubernetes.io/audit-violations`...),
   * kept whether the write is admitted or refused. The HTTP layer hands in the event's own record.
   */
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionPlugin {
  /** kube's plugin name (`NodeRestriction`, `ServiceAccount`...), for logs. */
  name: string;
  /** Mutating phase; may change attrs.object. */
  admit?(ctx: RegistryContext, attrs: AdmissionAttributes): void | Promise<void>;
  /** Validating phase; throws to refuse. */
  validate?(ctx: RegistryContext, attrs: AdmissionAttributes): void | Promise<void>;
}

export async function runMutatingAdmission(ctx: RegistryContext, plugins: readonly AdmissionPlugin[], attrs: AdmissionAttributes): Promise<void> {
  for (const plugin of plugins) if (plugin.admit) await plugin.admit(ctx, attrs);
}

export async function runValidatingAdmission(ctx: RegistryContext, plugins: readonly AdmissionPlugin[], attrs: AdmissionAttributes): Promise<void> {
  for (const plugin of plugins) if (plugin.validate) await plugin.validate(ctx, attrs);
}
