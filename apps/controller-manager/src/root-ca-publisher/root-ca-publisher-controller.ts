/**
 * kube's root-ca-cert-publisher: every active namespace holds the ConfigMap kube-root-ca.crt
 * with the cluster CA (--root-ca-file) under ca.crt, which the kube-api-access-* volume of every
 * pod projects next to its token so in-cluster clients can verify the apiserver. A deleted or
 * edited ConfigMap is put back. Keys are namespace names.
 */
import { readFile } from 'node:fs/promises';
import { findResourceByKind, type Namespace, type ResourceInfo } from '@skiff/api';
import { enqueueObject, isAlreadyExists, isNotFound, watch, type Informer, type KubeObject, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { keyedController, type Controller } from '../controller.ts';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
/** Upstream's words, so tools that read the annotation see the same text. */
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

const namespacesResource: ResourceInfo = findResourceByKind('v1', 'Namespace')!;
const configMapsResource: ResourceInfo = findResourceByKind('v1', 'ConfigMap')!;

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export interface RootCaPublisherDeps {
  client: Pick<RestClient, 'create' | 'update'>;
  namespaces: Pick<Informer<Namespace>, 'get'>;
  configMaps: Pick<Informer<ConfigMap>, 'get'>;
  /** PEM of the cluster CA. */
  rootCa: string;
  logger?: Logger;
}

function isTerminating(ns: Namespace): boolean {
  return Boolean(ns.metadata?.deletionTimestamp) || ns.status?.phase === 'Terminating';
}

function isCurrent(cm: ConfigMap, rootCa: string): boolean {
  const keys = Object.keys(cm.data ?? {});
  return keys.length === 1 && cm.data?.['ca.crt'] === rootCa && Boolean(cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION]);
}

export class RootCaPublisher {
  readonly #deps: RootCaPublisherDeps;

  constructor(deps: RootCaPublisherDeps) {
    this.#deps = deps;
  }

  async sync(namespace: string): Promise<void> {
    const { client, namespaces, configMaps, rootCa, logger } = this.#deps;
    const ns = namespaces.get(undefined, namespace);
    if (!ns || isTerminating(ns)) return;
    const cm = configMaps.get(namespace, ROOT_CA_CONFIGMAP);
    if (!cm) {
      const fresh: ConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
        data: { 'ca.crt': rootCa },
      };
      try {
        await client.create(configMapsResource, fresh);
        logger?.debug({ configMap: `${namespace}/${ROOT_CA_CONFIGMAP}` }, 'root CA published');
      } catch (err) {
        // Our cache was behind (its update event brings us back), or the namespace just went away.
        if (isAlreadyExists(err) || isNotFound(err)) return;
        throw new Error(`configmap ${namespace}/${ROOT_CA_CONFIGMAP}: create failed`, { cause: err });
      }
      return;
    }
    if (isCurrent(cm, rootCa)) return;
    const fixed = structuredClone(cm) as ConfigMap;
    fixed.data = { 'ca.crt': rootCa };
    fixed.metadata = { ...fixed.metadata, annotations: { ...fixed.metadata?.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } };
    try {
      await client.update(configMapsResource, fixed);
      logger?.info({ configMap: `${namespace}/${ROOT_CA_CONFIGMAP}` }, 'root CA configmap restored');
    } catch (err) {
      if (isNotFound(err)) return;
      throw new Error(`configmap ${namespace}/${ROOT_CA_CONFIGMAP}: update failed`, { cause: err });
    }
  }
}

/** A kube-root-ca.crt event queues its namespace. */
function namespaceOfRootCa(cm: ConfigMap): string | undefined {
  return cm.metadata?.name === ROOT_CA_CONFIGMAP ? cm.metadata.namespace : undefined;
}

export function newRootCaPublisherController(): Controller {
  return keyedController('root-ca-cert-publisher', 5, async (ctx) => {
    const file = ctx.config.rootCaFile;
    if (!file) {
      ctx.logger.info('no --root-ca-file: not publishing kube-root-ca.crt');
      return undefined;
    }
    const namespaces = ctx.informers.informerFor<Namespace>(namespacesResource);
    const configMaps = ctx.informers.informerFor<ConfigMap>(configMapsResource, { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` });
    const rootCa = await readFile(file, 'utf8');
    const controller = new RootCaPublisher({ client: ctx.client, namespaces, configMaps, rootCa, logger: ctx.logger });
    const { add, update } = enqueueObject<Namespace>();
    return {
      watches: [
        watch(namespaces, { add, update }),
        watch(configMaps, {
          update: (oldCm, cm) => (oldCm.metadata?.resourceVersion === cm.metadata?.resourceVersion ? undefined : namespaceOfRootCa(cm)),
          delete: namespaceOfRootCa,
        }),
      ],
      sync: (key) => controller.sync(key),
    };
  });
}
