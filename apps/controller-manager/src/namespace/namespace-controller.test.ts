import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, resources, type ResourceInfo, type Status } from '@skiff/api';
import { ApiStatusError, resourcePath, type KubeList, type KubeObject } from '@skiff/client';
import { createLogger } from '@skiff/log';
import { deletableNamespacedResources } from './namespace-content-deleter.ts';
import { syncNamespace, type NamespaceSyncDeps } from './namespace-controller.ts';
import type { DiscoverySnapshot } from '@skiff/client';

const logger = createLogger('ns-test', 'silent');

/**
 * A tiny in-memory API for the deleter: deletecollection removes everything except bound
 * pods, which (as with a kubelet) only get a deletionTimestamp; every call is recorded.
 */
class FakeNamespaceApi {
  readonly calls: string[] = [];
  readonly objects = new Map<string, KubeObject[]>();
  namespace: KubeObject;
  failOn: string | undefined;

  constructor(namespace: KubeObject) {
    this.namespace = namespace;
  }

  add(res: ResourceInfo, name: string, extra: Record<string, unknown> = {}): void {
    const path = resourcePath(res, 'team');
    this.objects.set(path, [
      ...(this.objects.get(path) ?? []),
      { metadata: { name, namespace: 'team', uid: `${res.resource}-${name}`, ...extra } } as KubeObject,
    ]);
  }

  list<T extends KubeObject>(res: ResourceInfo, namespace?: string): Promise<KubeList<T>> {
    const path = resourcePath(res, namespace);
    if (this.failOn === res.resource) return Promise.reject(new ApiStatusError({ code: 500, reason: 'InternalError', message: 'boom' } as Status));
    return Promise.resolve({ apiVersion: 'v1', kind: 'List', metadata: {}, items: (this.objects.get(path) ?? []) as T[] });
  }

  request<T>(method: string, path: string): Promise<T> {
    this.calls.push(`${method} ${path}`);
    const left = (this.objects.get(path) ?? []).filter((o) => path.endsWith('/pods') && (o as { spec?: { nodeName?: string } }).spec?.nodeName);
    this.objects.set(
      path,
      left.map((o) => ({ ...o, metadata: { ...o.metadata, deletionTimestamp: '2026-01-01T00:00:30Z' } })),
    );
    return Promise.resolve({} as T);
  }

  delete(res: ResourceInfo, _ns: string | undefined, name: string): Promise<Status> {
    this.calls.push(`DELETE ${res.resource}/${name}`);
    return Promise.resolve({} as Status);
  }

  get<T extends KubeObject>(): Promise<T> {
    return Promise.resolve(structuredClone(this.namespace) as T);
  }

  update<T extends KubeObject>(_res: ResourceInfo, body: T, opts: { subresource?: string } = {}): Promise<T> {
    this.calls.push(
      `PUT ${opts.subresource} ${JSON.stringify(opts.subresource === 'finalize' ? (body as { spec?: unknown }).spec : (body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions?.map((c) => `${c.type}=${c.status}`))}`,
    );
    return Promise.resolve(body);
  }
}

function terminating(name = 'team'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: 'ns1', resourceVersion: '5', deletionTimestamp: '2026-01-01T00:00:00Z' },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Terminating' },
  } as KubeObject;
}

/** A custom resource the static table does not know; only discovery brings it. */
const widgets: ResourceInfo = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  resource: 'widgets',
  singular: 'widget',
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
};

function depsFor(api: FakeNamespaceApi, failed: Record<string, string> = {}, asked: number[] = []): NamespaceSyncDeps {
  const discovery = {
    snapshot: (notBefore = 0): Promise<DiscoverySnapshot> => {
      asked.push(notBefore);
      return Promise.resolve({ resources: [...resources, widgets], failed, fetchedAt: notBefore });
    },
  };
  return {
    client: api as unknown as NamespaceSyncDeps['client'],
    namespaces: { get: () => api.namespace },
    discovery,
    logger,
    now: () => new Date('2026-01-01T00:00:05Z'),
  };
}

const pods = findResource('', 'v1', 'pods')!;
const configmaps = findResource('', 'v1', 'configmaps')!;

test('deletable kinds: namespaced, deletable, the events.k8s.io alias left out', () => {
  const names = deletableNamespacedResources([...resources, widgets]).map((r) => (r.group ? `${r.resource}.${r.group}` : r.resource));
  assert.ok(
    names.includes('pods') && names.includes('deployments.apps') && names.includes('leases.coordination.k8s.io') && names.includes('widgets.example.com'),
  );
  assert.ok(!names.includes('namespaces') && !names.includes('nodes') && !names.includes('bindings') && !names.includes('events.events.k8s.io'));
});

test('an active namespace is left alone', async () => {
  const api = new FakeNamespaceApi({ metadata: { name: 'team' }, spec: { finalizers: ['kubernetes'] } } as KubeObject);
  assert.equal(await syncNamespace(depsFor(api), 'team'), undefined);
  assert.deepEqual(api.calls, []);
});

test('content is deleted; a graceful pod keeps the namespace until it is gone, then it is finalized', async () => {
  const api = new FakeNamespaceApi(terminating());
  api.add(pods, 'web-1', {});
  api.add(configmaps, 'cfg');
  (api.objects.get(resourcePath(pods, 'team'))![0] as { spec?: unknown }).spec = { nodeName: 'hollow-node-0' };
  const first = await syncNamespace(depsFor(api), 'team');
  assert.deepEqual(first, { requeueAfter: 1000 });
  assert.ok(api.calls.includes('DELETE /api/v1/namespaces/team/pods'));
  assert.ok(api.calls.includes('DELETE /api/v1/namespaces/team/configmaps'));
  assert.ok(!api.calls.some((c) => c.startsWith('PUT finalize')));
  assert.ok(
    api.calls.includes(
      'PUT status ["NamespaceDeletionDiscoveryFailure=False","NamespaceDeletionContentFailure=False","NamespaceContentRemaining=True","NamespaceFinalizersRemaining=False"]',
    ),
  );

  // The kubelet confirmed: the pod is gone. Already-marked objects are not deleted twice.
  api.calls.length = 0;
  api.objects.set(resourcePath(pods, 'team'), []);
  assert.equal(await syncNamespace(depsFor(api), 'team'), undefined);
  assert.ok(!api.calls.some((c) => c.startsWith('DELETE')));
  assert.ok(api.calls.includes('PUT finalize {"finalizers":[]}'));
});

test('a failing kind does not stop the others, is reported, and the pass is retried', async () => {
  const api = new FakeNamespaceApi(terminating());
  api.add(configmaps, 'cfg');
  api.failOn = 'secrets';
  await assert.rejects(syncNamespace(depsFor(api), 'team'), /deleting secrets/);
  assert.ok(api.calls.includes('DELETE /api/v1/namespaces/team/configmaps'));
  assert.ok(api.calls.some((c) => c.startsWith('PUT status') && c.includes('NamespaceDeletionContentFailure=True')));
  assert.ok(!api.calls.some((c) => c.startsWith('PUT finalize')));
});

test('a namespace whose kubernetes finalizer is already gone needs nothing', async () => {
  const ns = terminating();
  (ns as { spec: { finalizers: string[] } }).spec.finalizers = [];
  const api = new FakeNamespaceApi(ns);
  assert.equal(await syncNamespace(depsFor(api), 'team'), undefined);
  assert.deepEqual(api.calls, []);
});

test('custom objects are deleted too, through discovery no older than the deletion', async () => {
  const api = new FakeNamespaceApi(terminating());
  api.add(widgets, 'w1');
  const asked: number[] = [];
  assert.deepEqual(await syncNamespace(depsFor(api, {}, asked), 'team'), undefined);
  assert.ok(api.calls.includes('DELETE /apis/example.com/v1/namespaces/team/widgets'));
  assert.deepEqual(asked, [Date.parse('2026-01-01T00:00:00Z')]);
  assert.ok(api.calls.includes('PUT finalize {"finalizers":[]}'));
});

test('a group discovery could not read keeps the namespace: reported, retried, never finalized', async () => {
  const api = new FakeNamespaceApi(terminating());
  api.add(configmaps, 'cfg');
  await assert.rejects(
    syncNamespace(depsFor(api, { 'metrics.example.com/v1': 'HTTP 503' }), 'team'),
    /Discovery failed for some groups, 1 failing: metrics.example.com\/v1: HTTP 503/,
  );
  assert.ok(api.calls.includes('DELETE /api/v1/namespaces/team/configmaps'));
  assert.ok(api.calls.some((c) => c.startsWith('PUT status') && c.includes('NamespaceDeletionDiscoveryFailure=True')));
  assert.ok(!api.calls.some((c) => c.startsWith('PUT finalize')));
});
