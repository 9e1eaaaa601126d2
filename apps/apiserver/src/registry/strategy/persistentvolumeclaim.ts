/**
 * PersistentVolumeClaims on create, as kube's DefaultStorageClass admission plugin does it,
 * plus one check of Skiff's own:
 *
 * - A claim that does not name a class (no spec.storageClassName at all; "" means "no class"
 *   and is kept) gets the default class: the StorageClass annotated
 *   `storageclass.kubernetes.io/is-default-class: "true"`, the newest if several are.
 * - Skiff's stricter check: a claim pre-bound with spec.volumeName to an existing volume
 *   smaller than its storage request is refused (422 on spec.resources.requests.storage)
 *   and nothing is stored. Kubernetes accepts it and leaves the claim Pending forever with
 *   a VolumeMismatch event; saying so at `kubectl apply` time is kinder.
 *
 * Strategies run synchronously inside the create path, so like kube's admission plugins
 * these read watch-fed caches of StorageClasses and PersistentVolumes, which bootstrap
 * starts (startClaimAdmission) and waits to have listed before the apiserver serves. A
 * class or volume written a moment ago may not be seen yet, exactly as with kube's informers.
 */
import { findResourceByKind, parseQuantity, type ResourceInfo } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { errors } from '../../errors.ts';
import type { KubeObject, Store } from '../../storage/store.ts';
import { defaultStrategy } from './default.ts';
import type { Strategy } from './strategy.ts';

export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const RESTART_DELAY_MS = 1000;

const classesResource = findResourceByKind('storage.k8s.io/v1', 'StorageClass')!;
const volumesResource = findResourceByKind('v1', 'PersistentVolume')!;

/** One cluster-scoped collection kept current by list-then-watch, relisting after any failure. */
class WatchedCollection {
  readonly objects = new Map<string, KubeObject>();
  readonly #store: Store;
  readonly #res: ResourceInfo;
  readonly #logger: Logger;

  constructor(store: Store, res: ResourceInfo, logger: Logger) {
    this.#store = store;
    this.#res = res;
    this.#logger = logger;
  }

  /** Resolves once the first list is in; keeps watching until the signal aborts. */
  start(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      void this.#run(signal, resolve, reject);
    });
  }

  async #run(signal: AbortSignal, listed: () => void, failed: (err: unknown) => void): Promise<void> {
    let first = true;
    while (!signal.aborted) {
      try {
        const list = await this.#store.list(this.#res, undefined);
        this.objects.clear();
        for (const obj of list.items) this.objects.set(obj.metadata.name!, obj);
        if (first) listed();
        first = false;
        for await (const event of this.#store.watch(this.#res, undefined, { resourceVersion: list.resourceVersion }, signal)) {
          const obj = event.object as KubeObject;
          if (event.type === 'ERROR') break;
          if (event.type === 'DELETED') this.objects.delete(obj.metadata.name!);
          else if (event.type === 'ADDED' || event.type === 'MODIFIED') this.objects.set(obj.metadata.name!, obj);
        }
      } catch (err) {
        // Bootstrap retries as a whole when etcd is not there yet.
        if (first) return failed(err);
        if (!signal.aborted) this.#logger.warn({ err, resource: this.#res.resource }, 'claim admission: watch failed; relisting');
      }
      if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS).unref());
    }
  }
}

interface ClaimAdmission {
  classes: WatchedCollection;
  volumes: WatchedCollection;
  stop: AbortController;
}

/** The apiserver's caches; one apiserver per process (a later bootstrap replaces an earlier one's). */
let admission: ClaimAdmission | undefined;

/** Starts (or restarts, for a new store) the caches the claim strategy reads, and waits for their first list. */
export async function startClaimAdmission(store: Store, logger: Logger): Promise<void> {
  admission?.stop.abort();
  const stop = new AbortController();
  const next: ClaimAdmission = {
    classes: new WatchedCollection(store, classesResource, logger),
    volumes: new WatchedCollection(store, volumesResource, logger),
    stop,
  };
  admission = next;
  try {
    await Promise.all([next.classes.start(stop.signal), next.volumes.start(stop.signal)]);
  } catch (err) {
    stop.abort();
    throw err;
  }
}

/** Stops the caches' watches (the apiserver is closing its store). */
export function stopClaimAdmission(): void {
  admission?.stop.abort();
  admission = undefined;
}

/** kube's getDefaultClass: among classes marked default, the newest (then the name) wins. */
export function defaultClassName(classes: Iterable<KubeObject>): string | undefined {
  let best: KubeObject | undefined;
  for (const sc of classes) {
    if (sc.metadata.annotations?.[IS_DEFAULT_CLASS_ANNOTATION] !== 'true') continue;
    const newer =
      !best ||
      String(sc.metadata.creationTimestamp ?? '') > String(best.metadata.creationTimestamp ?? '') ||
      (sc.metadata.creationTimestamp === best.metadata.creationTimestamp && sc.metadata.name! < best.metadata.name!);
    if (newer) best = sc;
  }
  return best?.metadata.name;
}

interface ClaimSpec {
  storageClassName?: string;
  volumeName?: string;
  resources?: { requests?: { storage?: string | number } };
}

function assignDefaultClass(claim: KubeObject, spec: ClaimSpec, classes: Iterable<KubeObject>): void {
  if (spec.storageClassName !== undefined || claim.metadata.annotations?.[BETA_CLASS_ANNOTATION] !== undefined) return;
  const name = defaultClassName(classes);
  if (name) spec.storageClassName = name;
}

/** Skiff's stricter check (see the file comment). Unparsable quantities are validation's to report. */
function refuseTooSmallVolume(claim: KubeObject, spec: ClaimSpec, volumes: ReadonlyMap<string, KubeObject>): void {
  const request = spec.resources?.requests?.storage;
  const volume = spec.volumeName ? volumes.get(spec.volumeName) : undefined;
  const capacity = (volume?.spec as { capacity?: { storage?: string | number } } | undefined)?.capacity?.storage;
  if (request === undefined || capacity === undefined) return;
  let tooSmall: boolean;
  try {
    tooSmall = parseQuantity(capacity).cmp(parseQuantity(request)) < 0;
  } catch {
    return;
  }
  if (!tooSmall) return;
  throw errors.invalid('PersistentVolumeClaim', '', claim.metadata.name ?? '', [
    {
      reason: 'FieldValueInvalid',
      field: 'spec.resources.requests.storage',
      message: `Invalid value: "${String(request)}": exceeds the capacity ${String(capacity)} of persistentvolume "${spec.volumeName}" named in spec.volumeName`,
    },
  ]);
}

export const persistentVolumeClaimStrategy: Strategy = {
  prepareForCreate(obj) {
    if (!admission || (obj.spec !== undefined && (typeof obj.spec !== 'object' || obj.spec === null))) return;
    const spec = (obj.spec ??= {}) as ClaimSpec;
    assignDefaultClass(obj, spec, admission.classes.objects.values());
    refuseTooSmallVolume(obj, spec, admission.volumes.objects);
  },
  prepareForUpdate() {},
  tracksGeneration: defaultStrategy.tracksGeneration,
};
