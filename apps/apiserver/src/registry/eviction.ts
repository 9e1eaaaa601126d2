/**
 * pods/eviction (policy/v1 Eviction): deletes a pod when every PodDisruptionBudget covering it
 * allows a disruption (201), else 429 TooManyRequests, as pkg/registry/core/pod/storage/eviction.go.
 * Issue #19.
 */
import { errors } from '../errors.ts';
import type { RegistryContext } from './context.ts';
import type { WriteOptions, WriteResult } from './handlers.ts';

export async function createEviction(_ctx: RegistryContext, _namespace: string | undefined, _name: string, _body: unknown, _opts: WriteOptions): Promise<WriteResult> {
  throw errors.badRequest('pods/eviction is not served yet');
}
