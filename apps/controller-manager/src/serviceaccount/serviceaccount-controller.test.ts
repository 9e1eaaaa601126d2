import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, ServiceAccount } from '@skiff/api';
import { ServiceAccountController } from './serviceaccount-controller.ts';
import { cacheOf, RecordingClient } from '../endpoints/recording-client.ts';

function makeNamespace(name: string, terminating = false): Namespace {
  return {
    metadata: { name, resourceVersion: '1', ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    status: { phase: terminating ? 'Terminating' : 'Active' },
  };
}

function fixture(namespaces: Namespace[], serviceAccounts: ServiceAccount[] = []) {
  const client = new RecordingClient();
  const controller = new ServiceAccountController({ client, namespaces: cacheOf(namespaces), serviceAccounts: cacheOf(serviceAccounts) });
  return { client, controller };
}

const cases: { name: string; namespaces: Namespace[]; accounts: ServiceAccount[]; key: string; want: string[] }[] = [
  { name: 'a new namespace gets a default ServiceAccount', namespaces: [makeNamespace('team')], accounts: [], key: 'team', want: ['create team/default'] },
  {
    name: 'an existing default is left alone',
    namespaces: [makeNamespace('team')],
    accounts: [{ metadata: { name: 'default', namespace: 'team' } }],
    key: 'team',
    want: [],
  },
  {
    name: 'other accounts do not count',
    namespaces: [makeNamespace('team')],
    accounts: [{ metadata: { name: 'builder', namespace: 'team' } }, { metadata: { name: 'default', namespace: 'other' } }],
    key: 'team',
    want: ['create team/default'],
  },
  { name: 'a terminating namespace is ignored', namespaces: [makeNamespace('old', true)], accounts: [], key: 'old', want: [] },
  { name: 'a deleted namespace is ignored', namespaces: [], accounts: [], key: 'gone', want: [] },
];

for (const c of cases) {
  test(`serviceaccount sync: ${c.name}`, async () => {
    const { client, controller } = fixture(c.namespaces, c.accounts);
    await controller.sync(c.key);
    assert.deepEqual(
      client.actions.map((a) => `${a.verb} ${a.namespace}/${a.name}`),
      c.want,
    );
    for (const action of client.actions) {
      assert.equal(action.resource, 'serviceaccounts');
      assert.deepEqual(action.object, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: c.key } });
    }
  });
}

test('AlreadyExists (cache behind) is success; other failures are retried', async () => {
  const { client, controller } = fixture([makeNamespace('team')]);
  client.failNext(409, 'AlreadyExists');
  await controller.sync('team');
  client.failNext(500, 'InternalError');
  await assert.rejects(controller.sync('team'), /serviceaccount team\/default: create failed/);
});
