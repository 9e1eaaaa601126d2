/**
 * The Store as the registry sees it: for a kind served in several versions, every object
 * goes to etcd in the storage version and comes back in the version the request named
 * (see version-converter.ts). The verb files stay version-blind: they decode, default,
 * validate and patch in the request's version, as kube-apiserver's handlers work on the
 * request's object, and this layer converts at the storage boundary.
 *
 * Resources without a converter pass straight through, untouched. Objects from the watch
 * cache are shared by every watcher, so a conversion always yields a fresh copy.
 *
 * Selectors are matched against the stored object, as Kubernetes matches them against its
 * internal one after converting the field labels: each version's selectable fields read
 * the storage version's fields (libs/api field-selector.ts), and nothing is converted
 * only to be filtered out.
 */
import type { ResourceInfo } from '@skiff/api';
import type { KubeObject, ListOptions, Store, UpdateFunc, WatchEvent, WatchOptions } from '../../storage/store.ts';
import { convertToVersion, converterFor, storageResourceOf, type VersionConverter } from './version-converter.ts';

/** How one request's resource maps onto storage. */
interface StorageView {
  storage: ResourceInfo;
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

function viewOf(res: ResourceInfo): StorageView | undefined {
  const converter: VersionConverter | undefined = converterFor(res);
  if (!converter) return undefined;
  const storage = storageResourceOf(res);
  return {
    storage,
    toStorage: (obj) => convertToVersion(converter, obj, storage),
    fromStorage: (obj) => convertToVersion(converter, obj, res),
  };
}

async function* convertEvents(view: StorageView, events: AsyncIterable<WatchEvent>): AsyncIterable<WatchEvent> {
  for await (const event of events) {
    // BOOKMARK and ERROR carry no stored object (a bare resourceVersion, a Status).
    const carriesObject = event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED';
    yield carriesObject ? { type: event.type, object: view.fromStorage(event.object as KubeObject) } : event;
  }
}

export function createConvertingStore(store: Store): Store {
  return {
    async create(res, obj) {
      const view = viewOf(res);
      if (!view) return store.create(res, obj);
      return view.fromStorage(await store.create(view.storage, view.toStorage(obj)));
    },
    async get(res, namespace, name) {
      const view = viewOf(res);
      if (!view) return store.get(res, namespace, name);
      return view.fromStorage(await store.get(view.storage, namespace, name));
    },
    async list(res, namespace, opts?: ListOptions) {
      const view = viewOf(res);
      if (!view) return store.list(res, namespace, opts);
      const result = await store.list(view.storage, namespace, opts);
      return { ...result, items: result.items.map((item) => view.fromStorage(item)) };
    },
    async update(res, obj, preconditions) {
      const view = viewOf(res);
      if (!view) return store.update(res, obj, preconditions);
      return view.fromStorage(await store.update(view.storage, view.toStorage(obj), preconditions));
    },
    async guaranteedUpdate(res, namespace, name, tryUpdate: UpdateFunc, preconditions) {
      const view = viewOf(res);
      if (!view) return store.guaranteedUpdate(res, namespace, name, tryUpdate, preconditions);
      const updated = await store.guaranteedUpdate(view.storage, namespace, name, async (current) => {
        const desired = await tryUpdate(view.fromStorage(current));
        return desired === undefined ? undefined : view.toStorage(desired);
      }, preconditions);
      return view.fromStorage(updated);
    },
    async delete(res, namespace, name, preconditions) {
      const view = viewOf(res);
      if (!view) return store.delete(res, namespace, name, preconditions);
      return view.fromStorage(await store.delete(view.storage, namespace, name, preconditions));
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
