/**
 * APIService autoregistration, as kube-apiserver's autoregister controller: a local APIService
 * (no `spec.service`) for every group/version this apiserver serves itself. Built-in ones carry
 * `kube-aggregator.kubernetes.io/automanaged: onstart` (created when absent, then the
 * administrator's: a metrics-server may take `v1beta1.metrics.k8s.io` over), a CRD's ones `true`
 * (kept in line with the CRD and removed with its last served version). Local APIServices are
 * Available with reason `Local`; the aggregation layer checks the others (http/aggregation/).
 *
 * Every apiserver of an HA control plane runs this: creates that lose a race find the winner's
 * object, and updates are compare-and-swap.
 */
import { randomUUID } from 'node:crypto';
import { findResource } from '@skiff/api';
import { ApiError } from '../../errors.ts';
import { localGroupVersions } from '../../http/discovery.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import { formatTimestamp } from '../object-helpers.ts';
import { APISERVICES, LOCAL_AVAILABLE, availableConditionOf, setAvailableCondition, withAvailableCondition } from './available-condition.ts';
import { builtinPriority, CUSTOM_RESOURCE_PRIORITY, type ApiServicePriority } from './priorities.ts';

export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';
const CRDS = findResource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
const RESYNC_MS = 30_000;

/** `v1beta1.metrics.k8s.io`; the core group's is `v1.`. */
export function apiServiceName(group: string, version: string): string {
  return `${version}.${group}`;
}

export interface LocalApiService {
  name: string;
  group: string;
  version: string;
  automanaged: 'onstart' | 'true';
  priority: ApiServicePriority;
}

/** What this apiserver serves itself, as APIServices. */
export function desiredLocalApiServices(ctx: Pick<RegistryContext, 'served'>): LocalApiService[] {
  const customGroups = new Set(ctx.served.customResources().map((r) => r.group));
  return localGroupVersions(ctx.served).map(({ group, version }) => {
    const custom = customGroups.has(group);
    return {
      name: apiServiceName(group, version),
      group,
      version,
      automanaged: custom ? 'true' : 'onstart',
      priority: custom ? CUSTOM_RESOURCE_PRIORITY : builtinPriority(group, version),
    };
  });
}

function buildApiService(want: LocalApiService, now: Date): KubeObject {
  const obj: KubeObject = {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: want.name, uid: randomUUID(), creationTimestamp: formatTimestamp(now), labels: { [AUTOMANAGED_LABEL]: want.automanaged } },
    spec: { group: want.group, version: want.version, ...want.priority },
  };
  return withAvailableCondition(obj, LOCAL_AVAILABLE, now);
}

/** A CRD's APIService drifts when its priorities change or someone pointed it at a Service. */
function drifted(obj: KubeObject, want: LocalApiService): boolean {
  const spec = obj.spec as Record<string, unknown> | undefined;
  return (
    spec?.service !== undefined ||
    spec?.groupPriorityMinimum !== want.priority.groupPriorityMinimum ||
    spec?.versionPriority !== want.priority.versionPriority ||
    spec?.group !== want.group ||
    spec?.version !== want.version
  );
}

/** Group/versions some stored CRD serves: the truth for removal, whatever this apiserver's CRD controller has caught up with. */
function crdGroupVersions(ctx: RegistryContext): Set<string> {
  const out = new Set<string>();
  for (const crd of ctx.watched.of(CRDS).values()) {
    const spec = crd.spec as { group?: string; versions?: { name: string; served?: boolean }[] } | undefined;
    for (const v of spec?.versions ?? []) if (v.served !== false && spec?.group) out.add(apiServiceName(spec.group, v.name));
  }
  return out;
}

async function createIfAbsent(ctx: RegistryContext, want: LocalApiService): Promise<void> {
  try {
    await ctx.store.create(APISERVICES, buildApiService(want, ctx.now()));
    ctx.logger.info({ apiservice: want.name }, 'registered local APIService');
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

/** One pass: create what is missing, realign and remove CRD-managed ones, mark local ones Available. */
export async function syncLocalApiServices(ctx: RegistryContext): Promise<void> {
  const collection = ctx.watched.of(APISERVICES);
  await Promise.all([collection.synced, ctx.watched.of(CRDS).synced]);
  const desired = desiredLocalApiServices(ctx);
  for (const want of desired) {
    const current = collection.get(undefined, want.name);
    if (!current) {
      await createIfAbsent(ctx, want);
      continue;
    }
    const managed = current.metadata.labels?.[AUTOMANAGED_LABEL];
    if (managed === 'true' && want.automanaged === 'true' && drifted(current, want)) {
      await ctx.store.guaranteedUpdate(APISERVICES, undefined, want.name, (obj) =>
        drifted(obj, want)
          ? { ...obj, spec: { ...(obj.spec as object), group: want.group, version: want.version, ...want.priority, service: undefined } }
          : undefined,
      );
    }
    const spec = current.spec as Record<string, unknown> | undefined;
    if (spec?.service === undefined && availableConditionOf(current)?.reason !== 'Local') await setAvailableCondition(ctx, want.name, LOCAL_AVAILABLE);
  }
  const wanted = new Set(desired.map((d) => d.name));
  const stillDefined = crdGroupVersions(ctx);
  for (const obj of collection.values()) {
    const name = obj.metadata.name!;
    if (obj.metadata.labels?.[AUTOMANAGED_LABEL] !== 'true' || wanted.has(name) || stillDefined.has(name)) continue;
    try {
      await ctx.store.delete(APISERVICES, undefined, name, { uid: obj.metadata.uid! });
      ctx.logger.info({ apiservice: name }, 'removed the APIService of a vanished custom resource version');
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
  }
}

export function startApiServiceController(ctx: RegistryContext): () => void {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  // Passes never overlap; a change during one asks for one more.
  const kick = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = syncLocalApiServices(ctx)
      .catch((err: unknown) => ctx.logger.warn({ err: (err as Error).message }, 'APIService autoregistration failed; retrying'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  };
  const unsubscribe = [
    ctx.served.onChange(kick),
    ctx.watched.of(APISERVICES).onChange((current, previous) => {
      if (!current || !previous) kick();
    }),
    ctx.watched.of(CRDS).onChange(kick),
  ];
  const timer = setInterval(kick, RESYNC_MS);
  timer.unref();
  kick();
  return () => {
    stopped = true;
    clearInterval(timer);
    for (const off of unsubscribe) off();
  };
}
