/**
 * The last finder: any controller with a scale subresource (a custom resource's, say), through
 * GET …/scale and discovery. A 404 means the object is gone, unless its kind has no scale
 * subresource at all, which upstream reports as an error of the budget.
 */
import type { ResourceInfo, Scale } from '@skiff/api';
import { isNotFound, type RestClient } from '@skiff/client';
import type { ScaleFinder } from './expected-pods.ts';

export interface ScaleFinderDeps {
  client: Pick<RestClient, 'get'>;
  /** ResourceDiscovery.resolveKind: the served resource an apiVersion/kind names. */
  resolveKind(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
}

export function scaleSubresourceFinder(deps: ScaleFinderDeps): ScaleFinder {
  return async (ref, namespace) => {
    const res = await deps.resolveKind(ref.apiVersion, ref.kind);
    if (!res) throw new Error(`no matches for kind ${JSON.stringify(ref.kind)} in version ${JSON.stringify(ref.apiVersion)}`);
    let scale: Scale;
    try {
      scale = await deps.client.get<Scale>(res, res.namespaced ? namespace : undefined, ref.name, { subresource: 'scale' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (!res.subresources.includes('scale')) {
        throw new Error(`${res.group ? `${res.resource}.${res.group}` : res.resource} does not implement the scale subresource`);
      }
      return undefined;
    }
    if (scale.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: scale.spec?.replicas ?? 0 };
  };
}
