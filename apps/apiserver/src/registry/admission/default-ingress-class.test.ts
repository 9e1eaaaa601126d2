import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind } from '@skiff/api';
import pino from 'pino';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import type { AdmissionAttributes } from './admission.ts';
import { defaultIngressClassAdmission } from './default-ingress-class.ts';

const ingresses = findResourceByKind('networking.k8s.io/v1', 'Ingress')!;
const DEFAULT = { 'ingressclass.kubernetes.io/is-default-class': 'true' };

function ingressClass(name: string, created: string, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, creationTimestamp: created, ...(annotations ? { annotations } : {}) },
    spec: { controller: 'x.io/y' },
  };
}

function ctxWith(classes: KubeObject[]): RegistryContext {
  return {
    logger: pino({ level: 'silent' }),
    watched: { of: () => ({ isSynced: true, synced: Promise.resolve(), values: () => classes.values() }) },
  } as unknown as RegistryContext;
}

async function admitted(classes: KubeObject[], ingress: Partial<KubeObject>, attrs: Partial<AdmissionAttributes> = {}): Promise<KubeObject> {
  const object = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'a' },
    spec: { defaultBackend: {} },
    ...ingress,
  } as KubeObject;
  await defaultIngressClassAdmission.admit!(ctxWith(classes), {
    res: ingresses,
    subresource: '',
    operation: 'CREATE',
    namespace: 'a',
    name: 'web',
    object,
    user: { username: 'u', groups: [] },
    dryRun: false,
    ...attrs,
  });
  return object;
}

const className = (ing: KubeObject) => (ing.spec as { ingressClassName?: string }).ingressClassName;

test('an Ingress naming no class gets the one marked default', async () => {
  const classes = [ingressClass('nginx', '2024-01-01T00:00:00Z'), ingressClass('skiff', '2023-01-01T00:00:00Z', DEFAULT)];
  assert.equal(className(await admitted(classes, {})), 'skiff');
});

test('a class named by the field or the old annotation is kept; none marked default leaves the Ingress without one', async () => {
  const classes = [ingressClass('skiff', '2023-01-01T00:00:00Z', DEFAULT)];
  assert.equal(className(await admitted(classes, { spec: { ingressClassName: 'nginx' } })), 'nginx');
  const annotated = await admitted(classes, { metadata: { name: 'web', namespace: 'a', annotations: { 'kubernetes.io/ingress.class': 'nginx' } } });
  assert.equal(className(annotated), undefined);
  assert.equal(
    className(await admitted([ingressClass('skiff', '2023-01-01T00:00:00Z', { 'ingressclass.kubernetes.io/is-default-class': 'false' })], {})),
    undefined,
  );
});

test('several defaults: the newest wins, then the first by name, as upstream since 1.28', async () => {
  const classes = [
    ingressClass('old', '2023-01-01T00:00:00Z', DEFAULT),
    ingressClass('newer-b', '2024-06-01T00:00:00Z', DEFAULT),
    ingressClass('newer-a', '2024-06-01T00:00:00Z', DEFAULT),
    ingressClass('newest-unmarked', '2025-01-01T00:00:00Z'),
  ];
  assert.equal(className(await admitted(classes, {})), 'newer-a');
});

test('only Ingress creates are defaulted: not updates, not the status subresource, not other kinds', async () => {
  const classes = [ingressClass('skiff', '2023-01-01T00:00:00Z', DEFAULT)];
  assert.equal(className(await admitted(classes, {}, { operation: 'UPDATE' })), undefined);
  assert.equal(className(await admitted(classes, {}, { subresource: 'status' })), undefined);
  assert.equal(className(await admitted(classes, {}, { res: findResourceByKind('networking.k8s.io/v1', 'NetworkPolicy')! })), undefined);
});
