import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatus, errors } from './errors.ts';

// Bodies as kube-apiserver writes them: clients compare error bodies as text.
const cases: [string, unknown, string][] = [
  [
    'not found',
    errors.notFound({ group: '', resource: 'pods' }, 'nope').toStatus(),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}',
  ],
  [
    'already exists in a group',
    errors.alreadyExists({ group: 'apps', resource: 'deployments' }, 'web').toStatus(),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"web\\" already exists","reason":"AlreadyExists","details":{"name":"web","group":"apps","kind":"deployments"},"code":409}',
  ],
  [
    'invalid, causes in StatusCause order',
    errors.invalid('Pod', '', 'p', [{ field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' }]).toStatus(),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \\"p\\" is invalid: spec.containers: Required value","reason":"Invalid","details":{"name":"p","kind":"Pod","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"}]},"code":422}',
  ],
  [
    'retry after',
    errors.tooManyRequests('slow down').toStatus(),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"slow down","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}',
  ],
  [
    'unauthorized',
    errors.unauthorized().toStatus(),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
  ],
  [
    'details in upstream order whatever the input order',
    buildStatus({ status: 'Success', details: { uid: 'u1', kind: 'deployments', group: 'apps', name: 'web' } }),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"web","group":"apps","kind":"deployments","uid":"u1"}}',
  ],
  [
    'empty details kept, as for an unknown path',
    buildStatus({ status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 }),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}',
  ],
];

test('Status bodies carry metav1.Status field order, byte for byte', () => {
  for (const [name, status, want] of cases) assert.equal(JSON.stringify(status), want, name);
});
