/**
 * Priority admission, as upstream's plugin/pkg/admission/priority (with the system classes'
 * delete guard of its PriorityClass storage):
 *
 * - Pod CREATE (mutating): `spec.priorityClassName` names a class whose value becomes
 *   `spec.priority` and whose preemption policy becomes `spec.preemptionPolicy`; a pod naming
 *   none gets the globalDefault class (its name too), or priority 0 and PreemptLowerPriority
 *   when there is none. An unknown class, or a priority / policy the client set itself that
 *   differs from the class's, is a 403. Pod UPDATE keeps what create resolved: a full PUT that
 *   leaves the two fields out gets them back (pod validation refuses any other change). Only
 *   pods: workload templates carry a class name and are resolved when their pods are created.
 * - PriorityClass CREATE/UPDATE (validating): one globalDefault class at most.
 * - PriorityClass DELETE (validating): the built-in classes stay.
 *
 * Since Kubernetes 1.17 the system-* classes are no longer kept to kube-system here (quota
 * admission can limit them, and Skiff has no such limit): any namespace may use them.
 *
 * Pods read classes from the apiserver's watched collection, not etcd per request; a class
 * missing there is looked up in etcd once, so a class created a moment ago already counts. The
 * globalDefault check lists etcd: class writes are rare, and a default written a moment ago
 * must count.
 */
import { findResourceByKind, SYSTEM_PRIORITY_CLASSES, type Pod, type PriorityClass } from '@skiff/api';
import { ApiError, errors } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import { qualifiedOf } from '../object-helpers.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';

export const priorityClassesResource = findResourceByKind('scheduling.k8s.io/v1', 'PriorityClass')!;

/** Stored objects are untyped JSON; a stored class has a value (defaults write 0). */
const asClass = (obj: KubeObject) => obj as unknown as PriorityClass;

/** What a pod's class resolves to. `name` is '' when no class applies. */
interface ResolvedPriority {
  name: string;
  value: number;
  preemptionPolicy: string | undefined;
}

/** The globalDefault class; if a race left several, the lowest value, as upstream picks. */
export function pickGlobalDefault(classes: Iterable<KubeObject>): PriorityClass | undefined {
  let chosen: PriorityClass | undefined;
  for (const pc of [...classes].map(asClass)) {
    if (pc.globalDefault === true && (!chosen || chosen.value > pc.value)) chosen = pc;
  }
  return chosen;
}

async function watchedClasses(ctx: RegistryContext) {
  const collection = ctx.watched.of(priorityClassesResource);
  if (!collection.isSynced) await collection.synced;
  return collection;
}

async function findClass(ctx: RegistryContext, name: string): Promise<PriorityClass | undefined> {
  const cached = (await watchedClasses(ctx)).get(undefined, name);
  if (cached) return asClass(cached);
  try {
    return asClass(await ctx.store.get(priorityClassesResource, undefined, name));
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

async function resolvePriority(ctx: RegistryContext, attrs: AdmissionAttributes, className: string): Promise<ResolvedPriority> {
  if (className === '') {
    const fallback = pickGlobalDefault((await watchedClasses(ctx)).values());
    if (!fallback) return { name: '', value: 0, preemptionPolicy: 'PreemptLowerPriority' };
    return { name: fallback.metadata!.name!, value: fallback.value, preemptionPolicy: fallback.preemptionPolicy };
  }
  const pc = await findClass(ctx, className);
  if (!pc) throw forbidden(attrs, `no PriorityClass with name ${className} was found`);
  return { name: className, value: pc.value, preemptionPolicy: pc.preemptionPolicy };
}

function forbidden(attrs: AdmissionAttributes, message: string): ApiError {
  return errors.forbidden(qualifiedOf(attrs.res), attrs.name, message);
}

async function admitPodCreate(ctx: RegistryContext, attrs: AdmissionAttributes, pod: Pod): Promise<void> {
  const spec = pod.spec;
  if (!spec) return; // validation refuses a pod without one
  const resolved = await resolvePriority(ctx, attrs, spec.priorityClassName ?? '');
  if (resolved.name !== '') spec.priorityClassName = resolved.name;
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== resolved.value) {
    throw forbidden(
      attrs,
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${resolved.value} from the given PriorityClass name`,
    );
  }
  spec.priority = resolved.value;
  if (resolved.preemptionPolicy === undefined) return;
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== resolved.preemptionPolicy) {
    throw forbidden(
      attrs,
      `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${resolved.preemptionPolicy} from the given PriorityClass name`,
    );
  }
  spec.preemptionPolicy = resolved.preemptionPolicy;
}

/** A PUT of the whole pod that leaves out what create resolved gets it back, rather than a 422. */
function keepResolvedPriority(pod: Pod, old: Pod): void {
  if (!pod.spec || !old.spec) return;
  if (pod.spec.priority == null && old.spec.priority != null) pod.spec.priority = old.spec.priority;
  if (pod.spec.preemptionPolicy == null && old.spec.preemptionPolicy != null) pod.spec.preemptionPolicy = old.spec.preemptionPolicy;
}

async function validateSingleDefault(ctx: RegistryContext, attrs: AdmissionAttributes, pc: PriorityClass): Promise<void> {
  if (pc.globalDefault !== true) return;
  const existing = pickGlobalDefault((await ctx.store.list(priorityClassesResource, undefined)).items);
  if (!existing) return;
  // Re-saving the default itself is fine; a second one, or another class becoming it, is not.
  if (attrs.operation === 'CREATE' || existing.metadata!.name !== pc.metadata!.name) {
    throw forbidden(attrs, `PriorityClass ${existing.metadata!.name} is already marked as default. Only one default can exist`);
  }
}

const isPods = (attrs: AdmissionAttributes) => attrs.res.group === '' && attrs.res.resource === 'pods';
const isPriorityClasses = (attrs: AdmissionAttributes) =>
  attrs.res.group === priorityClassesResource.group && attrs.res.resource === priorityClassesResource.resource;

export const priorityAdmission: AdmissionPlugin = {
  name: 'Priority',
  async admit(ctx, attrs) {
    if (attrs.subresource !== '' || !isPods(attrs) || !attrs.object) return;
    const pod = attrs.object as Pod;
    if (attrs.operation === 'CREATE') await admitPodCreate(ctx, attrs, pod);
    else if (attrs.operation === 'UPDATE' && attrs.oldObject) keepResolvedPriority(pod, attrs.oldObject as Pod);
  },
  async validate(ctx, attrs) {
    if (attrs.subresource !== '' || !isPriorityClasses(attrs)) return;
    if (attrs.operation === 'DELETE') {
      if (SYSTEM_PRIORITY_CLASSES.some((spc) => spc.metadata?.name === attrs.name)) {
        throw forbidden(attrs, 'this is a system priority class and cannot be deleted');
      }
      return;
    }
    if ((attrs.operation === 'CREATE' || attrs.operation === 'UPDATE') && attrs.object) {
      await validateSingleDefault(ctx, attrs, asClass(attrs.object));
    }
  },
};
