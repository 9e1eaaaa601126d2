/** namespaces/NAME/finalize: the namespace controller hands back spec.finalizers once the content is gone. */
import type { ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import type { WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { isPlainObject } from './object-helpers.ts';
import { updateObject } from './update.ts';

export function finalizeNamespace(ctx: RegistryContext, res: ResourceInfo, name: string, body: unknown, opts: WriteOptions): Promise<WriteResult> {
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a Namespace object');
  const spec = isPlainObject(body.spec) ? body.spec : {};
  const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers.filter((f): f is string => typeof f === 'string') : [];
  const rv = isPlainObject(body.metadata) && typeof body.metadata.resourceVersion === 'string' ? body.metadata.resourceVersion : undefined;
  // When the last finalizer goes on a terminating namespace, updateObject removes it.
  return updateObject(ctx, res, undefined, name, {
    mode: 'subresource',
    subresource: 'finalize',
    bumpGeneration: false,
    resourceVersion: rv || undefined,
    transform: (current) => {
      current.spec = { ...(current.spec as object | undefined), finalizers };
      return current;
    },
    opts,
  });
}
