import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind } from '@skiff/api';
import { ApiError } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import type { AdmissionAttributes } from './admission.ts';
import { priorityAdmission, priorityClassesResource } from './priority.ts';

const pods = findResourceByKind('v1', 'Pod')!;

function priorityClass(name: string, value: number, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, preemptionPolicy: 'PreemptLowerPriority', ...extra };
}

/** `watched` holds what the informer has seen; `stored` is etcd (which may be ahead of it). */
function ctxWith(watched: KubeObject[], stored: KubeObject[] = watched): RegistryContext {
  const byName = (list: KubeObject[], name: string) => list.find((pc) => pc.metadata.name === name);
  return {
    watched: {
      of: () => ({ isSynced: true, synced: Promise.resolve(), get: (_ns: unknown, name: string) => byName(watched, name), values: () => watched.values() }),
    },
    store: {
      get: async (_res: unknown, _ns: unknown, name: string) => byName(stored, name) ?? Promise.reject(new ApiError(404, 'NotFound', 'not found')),
      list: async () => ({ items: stored, resourceVersion: '1' }),
    },
  } as unknown as RegistryContext;
}

function attrsFor(object: KubeObject | undefined, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    res: pods,
    subresource: '',
    operation: 'CREATE',
    namespace: 'default',
    name: 'web',
    object,
    user: { username: 'u', groups: [] },
    dryRun: false,
    ...extra,
  };
}

async function admitPod(classes: KubeObject[], spec: Record<string, unknown>, stored?: KubeObject[]): Promise<Record<string, unknown>> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'i' }], ...spec },
  } as KubeObject;
  await priorityAdmission.admit!(ctxWith(classes, stored), attrsFor(pod));
  return pod.spec as Record<string, unknown>;
}

const high = priorityClass('high', 1000, { preemptionPolicy: 'Never' });
const low = priorityClass('low', -5, { globalDefault: true });

test('a pod gets the value and preemption policy of the class it names', async () => {
  const spec = await admitPod([high, low], { priorityClassName: 'high' });
  assert.equal(spec.priority, 1000);
  assert.equal(spec.preemptionPolicy, 'Never');
  assert.equal(spec.priorityClassName, 'high');
});

test('a pod naming no class gets the globalDefault one, or 0 and PreemptLowerPriority without one', async () => {
  const defaulted = await admitPod([high, low], {});
  assert.deepEqual([defaulted.priorityClassName, defaulted.priority, defaulted.preemptionPolicy], ['low', -5, 'PreemptLowerPriority']);
  const plain = await admitPod([high], {});
  assert.deepEqual([plain.priorityClassName, plain.priority, plain.preemptionPolicy], [undefined, 0, 'PreemptLowerPriority']);
});

test('several globalDefault classes (a race): the lowest value wins', async () => {
  const spec = await admitPod([priorityClass('a', 10, { globalDefault: true }), priorityClass('b', 3, { globalDefault: true })], {});
  assert.equal(spec.priorityClassName, 'b');
});

test('a class written a moment ago, not yet watched, is found in etcd', async () => {
  assert.equal((await admitPod([], { priorityClassName: 'high' }, [high])).priority, 1000);
});

test('an unknown class, or a priority or policy the client set differently, is a 403 in upstream words', async () => {
  const refusal = async (spec: Record<string, unknown>) => {
    try {
      await admitPod([high], spec);
    } catch (err) {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 403);
      return err.message;
    }
    assert.fail('admitted');
  };
  assert.equal(await refusal({ priorityClassName: 'nope' }), 'pods "web" is forbidden: no PriorityClass with name nope was found');
  assert.equal(
    await refusal({ priorityClassName: 'high', priority: 7 }),
    'pods "web" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
  );
  assert.equal(
    await refusal({ priority: 7 }),
    'pods "web" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
  );
  assert.equal(
    await refusal({ priorityClassName: 'high', preemptionPolicy: 'PreemptLowerPriority' }),
    'pods "web" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
  );
  assert.equal((await admitPod([high], { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' })).priority, 1000, 'the same values are fine');
});

test('pod updates keep what create resolved and resolve nothing anew; subresources are left alone', async () => {
  const old = { metadata: { name: 'web' }, spec: { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never', containers: [] } } as KubeObject;
  const replaced = { metadata: { name: 'web' }, spec: { priorityClassName: 'high', containers: [] } } as KubeObject;
  await priorityAdmission.admit!(ctxWith([]), attrsFor(replaced, { operation: 'UPDATE', oldObject: old }));
  assert.deepEqual(replaced.spec, old.spec);
  const binding = { metadata: { name: 'web' }, target: { name: 'n1' } } as KubeObject;
  await priorityAdmission.admit!(ctxWith([]), attrsFor(binding, { subresource: 'binding' }));
  assert.equal((binding as { spec?: unknown }).spec, undefined);
});

test('a second globalDefault class is refused; the default itself may be saved again', async () => {
  const ctx = ctxWith([], [low, high]);
  const classAttrs = (object: KubeObject, operation: 'CREATE' | 'UPDATE') =>
    attrsFor(object, { res: priorityClassesResource, operation, name: object.metadata.name! });
  await assert.rejects(async () => priorityAdmission.validate!(ctx, classAttrs(priorityClass('other', 1, { globalDefault: true }), 'CREATE')), {
    code: 403,
    message: 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass low is already marked as default. Only one default can exist',
  });
  await assert.rejects(async () => priorityAdmission.validate!(ctx, classAttrs({ ...high, globalDefault: true }, 'UPDATE')), { code: 403 });
  await priorityAdmission.validate!(ctx, classAttrs({ ...low, description: 'changed' }, 'UPDATE'));
  await priorityAdmission.validate!(ctx, classAttrs(priorityClass('plain', 1), 'CREATE'));
});

test('the built-in classes cannot be deleted; others can', async () => {
  const deleting = (name: string) => attrsFor(undefined, { res: priorityClassesResource, operation: 'DELETE', name });
  await assert.rejects(async () => priorityAdmission.validate!(ctxWith([]), deleting('system-node-critical')), {
    code: 403,
    message: 'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted',
  });
  await priorityAdmission.validate!(ctxWith([]), deleting('high'));
});
