import type { ResourceInfo } from '@skiff/api';
import { ApiStatusError, InformerCache, type DeleteOptions, type KubeObject, type RestClient } from '@skiff/client';

/** One write a controller made, as the tests compare them. */
export interface RecordedAction {
  verb: 'create' | 'update' | 'delete';
  resource: string;
  namespace?: string;
  name?: string;
  object?: KubeObject;
  options?: DeleteOptions;
}

/**
 * A fake RestClient for controller tests: records every write, answers with the object
 * as the server would (name from generateName, uid, increasing resourceVersion), and can
 * be told to fail the next call with a given status code.
 */
export class RecordingClient implements Pick<RestClient, 'create' | 'update' | 'delete'> {
  readonly actions: RecordedAction[] = [];
  #revision = 100;
  #failNext: { code: number; reason: string; verb?: RecordedAction['verb'] } | undefined;

  /** The next call (of `verb`, if given) throws an ApiStatusError with this code and reason. */
  failNext(code: number, reason: string, verb?: RecordedAction['verb']): void {
    this.#failNext = { code, reason, verb };
  }

  async create<T extends KubeObject>(res: ResourceInfo, obj: T): Promise<T> {
    this.#maybeFail('create', `POST ${res.resource}`);
    const out = structuredClone(obj);
    const meta = { ...out.metadata };
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${(this.#revision + 1).toString(36)}`;
    out.metadata = { ...meta, uid: meta.uid ?? `uid-${meta.name}`, resourceVersion: String(++this.#revision) };
    this.actions.push({ verb: 'create', resource: res.resource, namespace: meta.namespace, name: meta.name, object: obj });
    return out;
  }

  async update<T extends KubeObject>(res: ResourceInfo, obj: T): Promise<T> {
    this.#maybeFail('update', `PUT ${res.resource}`);
    const out = structuredClone(obj);
    out.metadata = { ...out.metadata, resourceVersion: String(++this.#revision) };
    this.actions.push({ verb: 'update', resource: res.resource, namespace: obj.metadata?.namespace, name: obj.metadata?.name, object: obj });
    return out;
  }

  async delete<T extends KubeObject>(res: ResourceInfo, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<T> {
    this.actions.push({ verb: 'delete', resource: res.resource, namespace, name, ...(options ? { options } : {}) });
    this.#maybeFail('delete', `DELETE ${res.resource}`);
    return { metadata: { name, namespace } } as T;
  }

  #maybeFail(verb: RecordedAction['verb'], context: string): void {
    const fail = this.#failNext;
    if (!fail || (fail.verb && fail.verb !== verb)) return;
    this.#failNext = undefined;
    throw new ApiStatusError({ apiVersion: 'v1', kind: 'Status', status: 'Failure', code: fail.code, reason: fail.reason, message: 'injected' }, context);
  }
}

/** A preloaded informer cache, frozen like the real one. */
export function cacheOf<T extends KubeObject>(objs: readonly T[]): InformerCache<T> {
  const cache = new InformerCache<T>();
  for (const obj of objs) cache.upsert(structuredClone(obj));
  return cache;
}
