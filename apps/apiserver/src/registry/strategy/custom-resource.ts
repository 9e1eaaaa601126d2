/**
 * Custom objects (apiextensions' customResourceStrategy): generation is always tracked; with a
 * status subresource a create drops the status a client sent (update.ts keeps the stored one on
 * main writes); a CRD being deleted accepts no new objects, in upstream's words.
 */
import { errors } from '../../errors.ts';
import type { CustomResourceInfo } from '../custom-resources/served-resources.ts';
import type { Strategy } from './strategy.ts';

export function customResourceStrategy(res: CustomResourceInfo): Strategy {
  return {
    prepareForCreate(obj) {
      if (res.custom.terminating) {
        throw errors.methodNotAllowed({ group: res.group, resource: res.resource }, 'create not allowed while custom resource definition is terminating');
      }
      if (res.custom.status) delete obj.status;
    },
    prepareForUpdate() {},
    tracksGeneration: () => true,
  };
}
