/**
 * The Store as the registry sees it: for a kind served in several versions, every object
 * goes to etcd in the storage version and comes back in the version the request named
 * (built-in kinds: version-converter.ts; custom resources: custom-converter.ts, None or the
 * CRD's conversion webhook). The verb files stay version-blind: they decode, default,
 * validate and patch in the request's version, as kube-apiserver's handlers work on the
 * request's object, and this layer converts at the storage boundary.
 *
 * Resources without a converter pass straight through, untouched. Objects from the watch
 * cache are shared by every watcher, so a conversion always yields a fresh copy.
 *
 * Selectors are matched against the stored object, as Kubernetes matches them against its
 * internal one after converting the field labels: each version's selectable fields read
 * the storage version's fields (libs/api field-selector.ts), and nothing is converted
 * only to be filtered out. Custom objects are filtered as stored too: their selectable fields
 * are metadata.name and metadata.namespace, which no conversion may change.
 */
import type { ResourceInfo } from '@skiff/api';
import type { KubeObject, ListOptions, Store, UpdateFunc, WatchEvent, WatchOptions } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import { isCustomResource, type CustomResourceInfo } from '../custom-resources/served-resources.ts';
import { convertCustomObjects } from './custom-converter.ts';
import { convertToVersion, converterFor, storageResourceOf } from './version-converter.ts';

/**
 * How one request's resource maps onto storage. Conversions are asynchronous (a custom
 * resource's may call its webhook), and reads convert in batches (a list's items in one go).
 */
interface StorageView {
  storage: ResourceInfo;
  toStorage(obj: KubeObject): Promise<KubeObject>;
  /** `isList`: the objects are a list's items (one conversion webhook review for all). */
  fromStorage(objs: readonly KubeObject[], isList: boolean): Promise<KubeObject[]>;
}

/** The registry context, for conversion webhooks that name a Service. */
export type ContextSource = () => RegistryContext;

function builtinView(res: ResourceInfo): StorageView | undefined {
  const converter = converterFor(res);
  if (!converter) return undefined;
  const storage = storageResourceOf(res);
  return {
    storage,
    toStorage: async (obj) => convertToVersion(converter, obj, storage),
    fromStorage: async (objs) => objs.map((obj) => convertToVersion(converter, obj, res)),
  };
}

/**
 * A custom resource: every version shares one etcd prefix (keys.ts leaves the version out),
 * so storage is the same resource in the CRD's storage version; writes convert to it, reads
 * convert whatever version each object was stored in to the request's.
 */
function customView(res: CustomResourceInfo, context: ContextSource): StorageView {
  const storageVersion = res.custom.storageVersion;
  const storage: CustomResourceInfo = res.version === storageVersion ? res : { ...res, version: storageVersion };
  return {
    storage,
    toStorage: async (obj) => (await convertCustomObjects(res, [obj], storageVersion, { isList: false, context }))[0]!,
    fromStorage: (objs, isList) => convertCustomObjects(res, objs, res.version, { isList, context }),
  };
}

async function fromStorageOne(view: StorageView, obj: KubeObject): Promise<KubeObject> {
  return (await view.fromStorage([obj], false))[0]!;
}

async function* convertEvents(view: StorageView, events: AsyncIterable<WatchEvent>): AsyncIterable<WatchEvent> {
  for await (const event of events) {
    // BOOKMARK and ERROR carry no stored object (a bare resourceVersion, a Status). A failed
    // conversion ends the watch: the HTTP layer sends its Status as the last ERROR event.
    const carriesObject = event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED';
    yield carriesObject ? { type: event.type, object: await fromStorageOne(view, event.object as KubeObject) } : event;
  }
}

/** Where nobody gave the registry context: webhooks by url still work, by Service they fail clearly. */
const noContext: ContextSource = () => {
  throw new Error('the registry context is not available to resolve a webhook Service');
};

export function createConvertingStore(store: Store, context: ContextSource = noContext): Store {
  const viewOf = (res: ResourceInfo): StorageView | undefined => (isCustomResource(res) ? customView(res, context) : builtinView(res));
  return {
    async create(res, obj) {
      const view = viewOf(res);
      if (!view) return store.create(res, obj);
      return fromStorageOne(view, await store.create(view.storage, await view.toStorage(obj)));
    },
    async get(res, namespace, name) {
      const view = viewOf(res);
      if (!view) return store.get(res, namespace, name);
      return fromStorageOne(view, await store.get(view.storage, namespace, name));
    },
    async list(res, namespace, opts?: ListOptions) {
      const view = viewOf(res);
      if (!view) return store.list(res, namespace, opts);
      const result = await store.list(view.storage, namespace, opts);
      return { ...result, items: await view.fromStorage(result.items, true) };
    },
    async update(res, obj, preconditions) {
      const view = viewOf(res);
      if (!view) return store.update(res, obj, preconditions);
      return fromStorageOne(view, await store.update(view.storage, await view.toStorage(obj), preconditions));
    },
    async guaranteedUpdate(res, namespace, name, tryUpdate: UpdateFunc, preconditions) {
      const view = viewOf(res);
      if (!view) return store.guaranteedUpdate(res, namespace, name, tryUpdate, preconditions);
      const updated = await store.guaranteedUpdate(
        view.storage,
        namespace,
        name,
        async (current) => {
          const desired = await tryUpdate(await fromStorageOne(view, current));
          return desired === undefined ? undefined : view.toStorage(desired);
        },
        preconditions,
      );
      return fromStorageOne(view, updated);
    },
    async delete(res, namespace, name, preconditions) {
      const view = viewOf(res);
      if (!view) return store.delete(res, namespace, name, preconditions);
      return fromStorageOne(view, await store.delete(view.storage, namespace, name, preconditions));
    },
    watch(res, namespace, opts: WatchOptions, signal) {
      const view = viewOf(res);
      if (!view) return store.watch(res, namespace, opts, signal);
      return convertEvents(view, store.watch(view.storage, namespace, opts, signal));
    },
    currentRevision: () => store.currentRevision(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
