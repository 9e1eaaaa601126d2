import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace } from '@skiff/api';
import type { KubeObject } from '@skiff/client';
import { cacheOf, RecordingClient } from '../endpoints/recording-client.ts';
import { DESCRIPTION, DESCRIPTION_ANNOTATION, RootCaPublisher } from './root-ca-publisher-controller.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function ns(name: string, phase = 'Active'): Namespace {
  return { metadata: { name, resourceVersion: '1' }, status: { phase } };
}

function cm(namespace: string, data: Record<string, string>, annotations: Record<string, string> = { [DESCRIPTION_ANNOTATION]: DESCRIPTION }): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace, resourceVersion: '7', annotations }, data } as KubeObject;
}

function fixture(namespaces: Namespace[], configMaps: KubeObject[] = []) {
  const client = new RecordingClient();
  return { client, publisher: new RootCaPublisher({ client, namespaces: cacheOf(namespaces), configMaps: cacheOf(configMaps), rootCa: CA }) };
}

test('a namespace without the ConfigMap gets it, annotated as upstream', async () => {
  const { client, publisher } = fixture([ns('team')]);
  await publisher.sync('team');
  assert.deepEqual(
    client.actions.map((a) => `${a.verb} ${a.namespace}/${a.name}`),
    ['create team/kube-root-ca.crt'],
  );
  assert.deepEqual(client.actions[0]!.object, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-root-ca.crt', namespace: 'team', annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
    data: { 'ca.crt': CA },
  });
});

const cases: { name: string; configMap: KubeObject; want: string[] }[] = [
  { name: 'a current ConfigMap is left alone', configMap: cm('team', { 'ca.crt': CA }), want: [] },
  { name: 'an edited CA is put back', configMap: cm('team', { 'ca.crt': 'forged' }), want: ['update team/kube-root-ca.crt'] },
  { name: 'extra keys are dropped', configMap: cm('team', { 'ca.crt': CA, extra: 'x' }), want: ['update team/kube-root-ca.crt'] },
  { name: 'a removed description comes back', configMap: cm('team', { 'ca.crt': CA }, { mine: 'kept' }), want: ['update team/kube-root-ca.crt'] },
];
for (const c of cases) {
  test(`root CA sync: ${c.name}`, async () => {
    const { client, publisher } = fixture([ns('team')], [c.configMap]);
    await publisher.sync('team');
    assert.deepEqual(
      client.actions.map((a) => `${a.verb} ${a.namespace}/${a.name}`),
      c.want,
    );
    for (const a of client.actions) {
      const out = a.object as KubeObject & { data: unknown };
      assert.deepEqual(out.data, { 'ca.crt': CA });
      assert.equal(out.metadata?.annotations?.[DESCRIPTION_ANNOTATION], DESCRIPTION);
      assert.equal(out.metadata?.resourceVersion, '7', 'updates are compare-and-swap on what was read');
    }
  });
}

test('terminating and vanished namespaces are skipped; AlreadyExists is success', async () => {
  const { client, publisher } = fixture([ns('old', 'Terminating')]);
  await publisher.sync('old');
  await publisher.sync('gone');
  assert.deepEqual(client.actions, []);
  const other = fixture([ns('team')]);
  other.client.failNext(409, 'AlreadyExists');
  await other.publisher.sync('team');
  other.client.failNext(500, 'InternalError');
  await assert.rejects(other.publisher.sync('team'), /configmap team\/kube-root-ca.crt: create failed/);
});
