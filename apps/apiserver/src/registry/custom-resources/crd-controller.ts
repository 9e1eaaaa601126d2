/**
 * The CustomResourceDefinition controllers of apiextensions-apiserver, in process: names
 * accepted, established, served (ServedResources.set) and, on deletion, every custom object
 * removed before the `customresourcecleanup.apiextensions.k8s.io` finalizer is.
 *
 * Every apiserver runs this: each serves what the CRDs in its watch cache say, and the status
 * writes that several could make at once are compare-and-swap (crd-status.ts).
 */
import { resources as builtinResources } from '@skiff/api';
import type { RegistryContext } from '../context.ts';
import type { KubeObject } from '../../storage/store.ts';
import { acceptNames } from './crd-names.ts';
import { cleanUpDefinition } from './crd-cleanup.ts';
import { servedFingerprint, servedResourcesOf } from './crd-resources.ts';
import { crdResource, setConditions, updateCrdStatus } from './crd-status.ts';
import type { CustomResourceDefinition } from './crd-types.ts';
import { isConditionTrue } from './crd-types.ts';
import { KeyQueue } from './key-queue.ts';

const RESTART_DELAY_MS = 1000;

/** The controller's handle: stop it, and whether the CRDs stored at start are served yet. */
export interface CustomResourceDefinitionController {
  stop(): void;
  /** readyz's `crd-informer-synced`: custom resources are served as stored once this is true. */
  synced(): boolean;
}

export function startCustomResourceDefinitionController(ctx: RegistryContext): CustomResourceDefinitionController {
  const logger = ctx.logger.child({ controller: 'customresourcedefinitions' });
  const fingerprints = new Map<string, string>();
  let stopped = false;
  let synced = false;
  let unsubscribe: (() => void) | undefined;

  const serve = (name: string, crd: CustomResourceDefinition | undefined): void => {
    const infos = crd && isConditionTrue(crd, 'Established') ? servedResourcesOf(crd) : [];
    const fingerprint = servedFingerprint(infos);
    if (fingerprints.get(name) === fingerprint) return;
    if (infos.length === 0) fingerprints.delete(name);
    else fingerprints.set(name, fingerprint);
    ctx.served.set(name, infos);
    logger.info({ crd: name, versions: infos.map((i) => i.version) }, infos.length ? 'serving custom resource' : 'custom resource no longer served');
  };

  const sync = async (name: string): Promise<void | { requeueAfter: number }> => {
    const collection = ctx.watched.of(crdResource);
    const cached = collection.get(undefined, name) as CustomResourceDefinition | undefined;
    if (!cached) return serve(name, undefined);
    if (cached.metadata.deletionTimestamp) {
      serve(name, cached);
      return await cleanUpDefinition(ctx, cached, ctx.served.ofDefinition(name));
    }
    const others = [...collection.values()] as CustomResourceDefinition[];
    const written = await updateCrdStatus(ctx, name, (crd, status) => {
      const outcome = acceptNames(crd, others, builtinResources);
      status.acceptedNames = outcome.acceptedNames;
      setConditions(ctx, status, outcome.namesAccepted, outcome.established);
    });
    // The written object is newer than the cache: serve from it rather than wait for the watch.
    serve(name, written.metadata.deletionTimestamp ? cached : written);
  };

  const queue = new KeyQueue(sync, logger);

  /** A CRD whose names change may free (or take) names another CRD of its group wants. */
  const onChange = (current: KubeObject | undefined, previous: KubeObject | undefined): void => {
    const crd = (current ?? previous) as CustomResourceDefinition;
    queue.add(crd.metadata.name!);
    const namesMoved =
      JSON.stringify((current as CustomResourceDefinition | undefined)?.status?.acceptedNames) !==
      JSON.stringify((previous as CustomResourceDefinition | undefined)?.status?.acceptedNames);
    if (!namesMoved) return;
    for (const other of ctx.watched.of(crdResource).values() as Iterable<CustomResourceDefinition>) {
      if (other.spec?.group === crd.spec?.group && other.metadata.name !== crd.metadata.name && !isConditionTrue(other, 'NamesAccepted')) {
        queue.add(other.metadata.name!);
      }
    }
  };

  const start = (): void => {
    if (stopped) return;
    const collection = ctx.watched.of(crdResource);
    unsubscribe = collection.onChange(onChange);
    collection.synced.then(
      () => {
        // Serve what is stored at once (a restarted apiserver answers for its CRDs before
        // anything else), then let the queue check names and status.
        for (const crd of collection.values()) serve(crd.metadata.name!, crd as CustomResourceDefinition);
        synced = true;
        for (const crd of collection.values()) queue.add(crd.metadata.name!);
      },
      (err: unknown) => {
        unsubscribe?.();
        logger.warn({ err }, 'listing CustomResourceDefinitions failed; retrying');
        setTimeout(start, RESTART_DELAY_MS).unref();
      },
    );
  };
  start();

  return {
    stop: () => {
      stopped = true;
      unsubscribe?.();
      queue.stop();
    },
    synced: () => synced,
  };
}
