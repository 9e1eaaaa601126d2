/**
 * APIServices that name a Service: which group/versions extension apiservers serve, what their
 * discovery says (fetched and cached, for /apis and aggregated discovery) and whether they are
 * Available, as kube-aggregator's availability controller decides it: the Service exists, has a
 * ready endpoint, and GET /apis/<group>/<version> answers 200 → `Passed`; else `ServiceNotFound`,
 * `MissingEndpoints` or `FailedDiscoveryCheck`. Checked when the APIService, its Service or
 * that Service's EndpointSlices change, and every 30 s.
 */
import { findResource } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../../registry/context.ts';
import { APISERVICES, availableConditionOf, setAvailableCondition, type AvailableCondition } from '../../registry/apiservices/available-condition.ts';
import { compareKubeVersions } from '../../registry/custom-resources/served-resources.ts';
import type { ApiResource, RemoteGroupVersion } from '../discovery.ts';
import type { FrontProxy } from './front-proxy.ts';
import { getJson, resolveProxyTarget, type ApiServiceSpec, type ProxyTarget } from './proxy.ts';

const SERVICES = findResource('', 'v1', 'services')!;
const ENDPOINT_SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const RECHECK_MS = 30_000;
const DISCOVERY_TIMEOUT_MS = 5_000;

export interface RemoteApiService {
  name: string;
  spec: ApiServiceSpec & { groupPriorityMinimum?: number; versionPriority?: number };
  /** False when the last check failed: requests get 503 without trying. */
  available: boolean;
}

function toRemote(obj: KubeObject): RemoteApiService | undefined {
  const spec = obj.spec as RemoteApiService['spec'] | undefined;
  if (!spec?.service) return undefined;
  return { name: obj.metadata.name!, spec, available: availableConditionOf(obj)?.status !== 'False' };
}

/** Groups by their highest groupPriorityMinimum, then name; versions by versionPriority, then kube-aware. */
function byPriority(a: RemoteApiService, b: RemoteApiService, groupPriority: Map<string, number>): number {
  const ga = groupPriority.get(a.spec.group)!;
  const gb = groupPriority.get(b.spec.group)!;
  if (ga !== gb) return gb - ga;
  if (a.spec.group !== b.spec.group) return a.spec.group < b.spec.group ? -1 : 1;
  const va = a.spec.versionPriority ?? 0;
  const vb = b.spec.versionPriority ?? 0;
  return va !== vb ? vb - va : compareKubeVersions(a.spec.version, b.spec.version);
}

export class RemoteApis {
  readonly #ctx: RegistryContext;
  readonly #frontProxy: FrontProxy | undefined;
  /** APIService name → the resources its server listed at the last successful check. */
  readonly #resources = new Map<string, ApiResource[]>();
  readonly #checking = new Set<string>();

  constructor(ctx: RegistryContext, frontProxy: FrontProxy | undefined) {
    this.#ctx = ctx;
    this.#frontProxy = frontProxy;
  }

  get frontProxy(): FrontProxy | undefined {
    return this.#frontProxy;
  }

  /** Starts watching APIServices; the timer does not keep the process alive. */
  start(): void {
    const collection = this.#ctx.watched.of(APISERVICES);
    collection.onChange((current, previous) => {
      if (!current) {
        this.#resources.delete(previous!.metadata.name!);
        return;
      }
      // Our own condition writes change only status: no need to check again.
      if (JSON.stringify(current.spec) !== JSON.stringify(previous?.spec)) void this.#check(current);
    });
    const recheckAll = (): void => {
      for (const obj of collection.values()) void this.#check(obj);
    };
    // A Service or its endpoints coming and going changes the APIServices that name it.
    const recheckService = (namespace: string | undefined, name: string | undefined): void => {
      for (const obj of collection.values()) {
        const ref = (obj.spec as ApiServiceSpec | undefined)?.service;
        if (ref && ref.namespace === namespace && ref.name === name) void this.#check(obj);
      }
    };
    this.#ctx.watched.of(SERVICES).onChange((current, previous) => {
      const meta = (current ?? previous)!.metadata;
      recheckService(meta.namespace, meta.name);
    });
    this.#ctx.watched.of(ENDPOINT_SLICES).onChange((current, previous) => {
      const meta = (current ?? previous)!.metadata;
      recheckService(meta.namespace, meta.labels?.['kubernetes.io/service-name']);
    });
    void collection.synced.then(recheckAll, () => undefined);
    setInterval(recheckAll, RECHECK_MS).unref();
  }

  /** The APIService that hands `group/version` to an extension apiserver, if one does. */
  find(group: string, version: string): RemoteApiService | undefined {
    const obj = this.#ctx.watched.of(APISERVICES).get(undefined, `${version}.${group}`);
    return obj ? toRemote(obj) : undefined;
  }

  /** Every remote APIService, in discovery order. */
  list(): RemoteApiService[] {
    const all = [...this.#ctx.watched.of(APISERVICES).values()].map(toRemote).filter((r): r is RemoteApiService => r !== undefined);
    const groupPriority = new Map<string, number>();
    for (const r of all) groupPriority.set(r.spec.group, Math.max(groupPriority.get(r.spec.group) ?? 0, r.spec.groupPriorityMinimum ?? 0));
    return all.sort((a, b) => byPriority(a, b, groupPriority));
  }

  /** For discovery: group/versions with the resources last fetched (undefined: never fetched). */
  groupVersions(): RemoteGroupVersion[] {
    return this.list().map((r) => {
      const resources = this.#resources.get(r.name);
      return { group: r.spec.group, version: r.spec.version, ...(resources ? { resources } : {}) };
    });
  }

  async target(remote: RemoteApiService): Promise<ProxyTarget> {
    return resolveProxyTarget(this.#ctx, remote.spec);
  }

  async #check(obj: KubeObject): Promise<void> {
    const remote = toRemote(obj);
    if (!remote || this.#checking.has(remote.name)) return;
    this.#checking.add(remote.name);
    try {
      const condition = await this.#availability(remote);
      await setAvailableCondition(this.#ctx, remote.name, condition);
    } catch (err) {
      this.#ctx.logger.warn({ apiservice: remote.name, err: (err as Error).message }, 'APIService availability check failed');
    } finally {
      this.#checking.delete(remote.name);
    }
  }

  async #availability(remote: RemoteApiService): Promise<AvailableCondition> {
    const { namespace, name } = remote.spec.service!;
    const services = this.#ctx.watched.of(SERVICES);
    await services.synced;
    if (!services.get(namespace, name)) {
      return { status: 'False', reason: 'ServiceNotFound', message: `service/${name} in "${namespace}" is not present` };
    }
    let target: ProxyTarget;
    try {
      target = await this.target(remote);
    } catch {
      return {
        status: 'False',
        reason: 'MissingEndpoints',
        message: `endpoints for service/${name} in "${namespace}" have no addresses with port ${remote.spec.service!.port ?? 443}`,
      };
    }
    const path = `/apis/${remote.spec.group}/${remote.spec.version}`;
    try {
      const doc = (await getJson(target, path, this.#frontProxy, DISCOVERY_TIMEOUT_MS)) as { resources?: ApiResource[] };
      this.#resources.set(remote.name, Array.isArray(doc.resources) ? doc.resources : []);
      return { status: 'True', reason: 'Passed', message: 'all checks passed' };
    } catch (err) {
      return {
        status: 'False',
        reason: 'FailedDiscoveryCheck',
        message: `failing or missing response from https://${target.host}:${target.port}${path}: ${(err as Error).message}`,
      };
    }
  }
}
