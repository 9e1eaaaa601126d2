import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueCertificate } from '@skiff/pki';
import { ApiError } from '../../errors.ts';
import type { KubeObject, Store, WatchEvent } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import type { CustomResourceInfo } from '../custom-resources/served-resources.ts';
import { createConvertingStore } from './converting-store.ts';
import { convertCustomObjects } from './custom-converter.ts';

type Review = { apiVersion: string; kind: string; request: { uid: string; desiredAPIVersion: string; objects: KubeObject[] } };
/** What the test webhook answers for one review; every review it got is kept in `reviews`. */
let answer: (review: Review) => unknown;
const reviews: Review[] = [];
let server: Server;
let caBundle: string;
let url: string;

/** v1beta1 `spec.cronSpec` is v1 `spec.schedule`: a rename, so a conversion that did nothing shows. */
function renameSpec(obj: KubeObject, to: string): KubeObject {
  const spec = { ...(obj.spec as Record<string, unknown>) };
  if (to.endsWith('/v1') && 'cronSpec' in spec) {
    spec.schedule = spec.cronSpec;
    delete spec.cronSpec;
  }
  if (to.endsWith('/v1beta1') && 'schedule' in spec) {
    spec.cronSpec = spec.schedule;
    delete spec.schedule;
  }
  return { ...obj, apiVersion: to, spec };
}

function success(review: Review, convertedObjects: unknown[]): unknown {
  return { apiVersion: review.apiVersion, kind: 'ConversionReview', response: { uid: review.request.uid, result: { status: 'Success' }, convertedObjects } };
}

const converting = (review: Review): unknown =>
  success(
    review,
    review.request.objects.map((o) => renameSpec(o, review.request.desiredAPIVersion)),
  );

before(async () => {
  const ca = await createCertificateAuthority('conversion-test-ca', 1);
  const serving = await issueCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'], usage: 'server', validityDays: 1 });
  caBundle = Buffer.from(ca.cert).toString('base64');
  server = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString()) as Review;
      reviews.push(review);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer(review)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/convert`;
});

after(() => server.close());

function crontabs(version: string, strategy: 'None' | 'Webhook', reviewVersions = ['v1']): CustomResourceInfo {
  return {
    group: 'stable.example.com',
    version,
    resource: 'crontabs',
    kind: 'CronTab',
    listKind: 'CronTabList',
    namespaced: true,
    custom: {
      crdName: 'crontabs.stable.example.com',
      crd: { metadata: { name: 'crontabs.stable.example.com' } },
      storageVersion: 'v1',
      servedVersions: ['v1', 'v1beta1'],
      preserveUnknownFields: false,
      status: false,
      printerColumns: [],
      conversion: strategy === 'None' ? { strategy } : { strategy, webhook: { clientConfig: { url, caBundle }, conversionReviewVersions: reviewVersions } },
    },
  } as unknown as CustomResourceInfo;
}

const noContext = (): RegistryContext => {
  throw new Error('not needed for a url');
};
const single = { isList: false, context: noContext };

function stored(name: string, apiVersion: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion, kind: 'CronTab', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '5', labels: { app: name } }, spec };
}

test('None: only apiVersion changes, on copies; objects already in the version are the same objects', async () => {
  reviews.length = 0;
  const a = stored('a', 'stable.example.com/v1', { schedule: '* * * * *' });
  const b = stored('b', 'stable.example.com/v1beta1', { schedule: '1 * * * *' });
  const out = await convertCustomObjects(crontabs('v1beta1', 'None'), [a, b], 'v1beta1', { ...single, isList: true });
  assert.deepEqual(out[0], { ...a, apiVersion: 'stable.example.com/v1beta1' });
  assert.notEqual(out[0], a);
  assert.equal(a.apiVersion, 'stable.example.com/v1', 'the input is untouched');
  assert.equal(out[1], b);
  assert.equal(reviews.length, 0, 'None calls no webhook');
});

test('Webhook: a list is one review of the objects not yet in the version; metadata other than labels and annotations is kept', async () => {
  reviews.length = 0;
  answer = (review) =>
    success(
      review,
      review.request.objects.map((o) => ({
        ...renameSpec(o, review.request.desiredAPIVersion),
        metadata: { ...o.metadata, resourceVersion: '999', generation: 7, labels: { app: o.metadata.name!, converted: 'yes' } },
      })),
    );
  const a = stored('a', 'stable.example.com/v1', { schedule: '* * * * *' });
  const b = stored('b', 'stable.example.com/v1beta1', { cronSpec: '2 * * * *' });
  const c = stored('c', 'stable.example.com/v1', { schedule: '3 * * * *' });
  const out = await convertCustomObjects(crontabs('v1beta1', 'Webhook'), [a, b, c], 'v1beta1', { ...single, isList: true });
  assert.equal(reviews.length, 1);
  assert.equal(reviews[0]!.apiVersion, 'apiextensions.k8s.io/v1');
  assert.equal(reviews[0]!.request.desiredAPIVersion, 'stable.example.com/v1beta1');
  assert.deepEqual(
    reviews[0]!.request.objects.map((o) => o.metadata.name),
    ['a', 'c'],
  );
  assert.deepEqual(
    out.map((o) => o.spec),
    [{ cronSpec: '* * * * *' }, { cronSpec: '2 * * * *' }, { cronSpec: '3 * * * *' }],
  );
  assert.equal(out[1], b);
  assert.deepEqual(out[0]!.metadata, { ...a.metadata, labels: { app: 'a', converted: 'yes' } });
});

test('Webhook: the first review version the server speaks is used; none → an error', async () => {
  reviews.length = 0;
  answer = converting;
  const a = stored('a', 'stable.example.com/v1', { schedule: 'x' });
  await convertCustomObjects(crontabs('v1beta1', 'Webhook', ['v2', 'v1beta1', 'v1']), [a], 'v1beta1', single);
  assert.equal(reviews[0]!.apiVersion, 'apiextensions.k8s.io/v1beta1');
  await assert.rejects(convertCustomObjects(crontabs('v1beta1', 'Webhook', ['v2']), [a], 'v1beta1', single), {
    code: 500,
    message: 'no supported conversion review versions',
  });
});

const refusals: [what: string, answer: (r: Review) => unknown, message: string | RegExp][] = [
  [
    'a failure result',
    () => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      response: { uid: reviews.at(-1)!.request.uid, result: { status: 'Failure', message: 'cannot convert spec' } },
    }),
    'conversion webhook for stable.example.com/v1, Kind=CronTab failed: cannot convert spec',
  ],
  [
    'a foreign uid',
    (r) => ({ ...(converting(r) as object), response: { uid: 'other', result: { status: 'Success' }, convertedObjects: [] } }),
    /^conversion webhook for stable\.example\.com\/v1, Kind=CronTab failed: expected response\.uid="[0-9a-f-]{36}", got "other"$/,
  ],
  [
    'no response',
    (r) => ({ apiVersion: r.apiVersion, kind: 'ConversionReview' }),
    'conversion webhook for stable.example.com/v1, Kind=CronTab failed: no response provided',
  ],
  ['too few objects', (r) => success(r, []), 'conversion webhook for stable.example.com/v1, Kind=CronTab returned 0 objects, expected 1'],
  [
    'the wrong version',
    (r) => success(r, r.request.objects),
    'conversion webhook for stable.example.com/v1, Kind=CronTab returned invalid object: invalid groupVersion (expected stable.example.com/v1beta1, received stable.example.com/v1)',
  ],
  [
    'a renamed object',
    (r) =>
      success(
        r,
        r.request.objects.map((o) => ({ ...renameSpec(o, r.request.desiredAPIVersion), metadata: { ...o.metadata, name: 'zz' } })),
      ),
    'conversion webhook for stable.example.com/v1, Kind=CronTab returned invalid object: must have the same name: a != zz',
  ],
  [
    'a bad label',
    (r) =>
      success(
        r,
        r.request.objects.map((o) => ({ ...renameSpec(o, r.request.desiredAPIVersion), metadata: { ...o.metadata, labels: { app: 7 } } })),
      ),
    'conversion webhook for stable.example.com/v1, Kind=CronTab returned invalid metadata: metadata.labels[app] must be a string, but is number in converted object',
  ],
];

for (const [what, reply, message] of refusals) {
  test(`Webhook: ${what} is a 500 in upstream's words`, async () => {
    answer = reply;
    const a = stored('a', 'stable.example.com/v1', { schedule: 'x' });
    await assert.rejects(convertCustomObjects(crontabs('v1beta1', 'Webhook'), [a], 'v1beta1', single), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 500);
      assert.equal(err.reason, '');
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    });
  });
}

test('Webhook: an unreachable webhook names the url it posted to', async () => {
  const res = crontabs('v1beta1', 'Webhook');
  (res.custom.conversion.webhook as { clientConfig: { url: string } }).clientConfig.url = `https://127.0.0.1:1/convert`;
  await assert.rejects(convertCustomObjects(res, [stored('a', 'stable.example.com/v1', {})], 'v1beta1', single), {
    code: 500,
    message: /^conversion webhook for stable\.example\.com\/v1, Kind=CronTab failed: Post "https:\/\/127\.0\.0\.1:1\/convert": .*ECONNREFUSED/,
  });
});

/** A store holding one object per name, as etcd would, and what it was asked to write. */
function memoryStore(): { store: Store; objects: Map<string, KubeObject> } {
  const objects = new Map<string, KubeObject>();
  const store = {
    async create(_res: unknown, obj: KubeObject) {
      objects.set(obj.metadata.name!, obj);
      return obj;
    },
    async get(_res: unknown, _ns: string, name: string) {
      return objects.get(name)!;
    },
    async list() {
      return { items: [...objects.values()], resourceVersion: '9' };
    },
    async *watch(): AsyncIterable<WatchEvent> {
      for (const object of objects.values()) yield { type: 'ADDED', object };
    },
  } as unknown as Store;
  return { store, objects };
}

test('the converting store writes custom objects in the storage version and reads them in the request version', async () => {
  reviews.length = 0;
  answer = converting;
  const { store, objects } = memoryStore();
  const convertingStore = createConvertingStore(store);
  const beta = crontabs('v1beta1', 'Webhook');
  const created = await convertingStore.create(beta, stored('a', 'stable.example.com/v1beta1', { cronSpec: '5 * * * *' }));
  assert.deepEqual(objects.get('a')!.spec, { schedule: '5 * * * *' });
  assert.equal(objects.get('a')!.apiVersion, 'stable.example.com/v1');
  assert.deepEqual(created.spec, { cronSpec: '5 * * * *' });
  await convertingStore.create(crontabs('v1', 'Webhook'), stored('b', 'stable.example.com/v1', { schedule: '6 * * * *' }));
  reviews.length = 0;
  const listed = await convertingStore.list(beta, 'default');
  assert.deepEqual(
    listed.items.map((o) => o.spec),
    [{ cronSpec: '5 * * * *' }, { cronSpec: '6 * * * *' }],
  );
  assert.equal(reviews.length, 1, 'one review for the whole list');
  const events: WatchEvent[] = [];
  for await (const event of convertingStore.watch(beta, 'default', {}, new AbortController().signal)) events.push(event);
  assert.deepEqual(
    events.map((e) => (e.object as KubeObject).spec),
    [{ cronSpec: '5 * * * *' }, { cronSpec: '6 * * * *' }],
  );
  assert.deepEqual(objects.get('b')!.spec, { schedule: '6 * * * *' }, 'stored objects stay as stored');
});

test('Webhook without a webhook client config: a 500, no crash', async () => {
  const res = crontabs('v1beta1', 'Webhook');
  delete res.custom.conversion.webhook;
  await assert.rejects(convertCustomObjects(res, [stored('a', 'stable.example.com/v1', {})], 'v1beta1', single), {
    code: 500,
    message: 'conversion webhook for stable.example.com/v1, Kind=CronTab failed: spec.conversion.webhook.clientConfig is missing',
  });
});
