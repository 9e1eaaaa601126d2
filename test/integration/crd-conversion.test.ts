/**
 * A CustomResourceDefinition served in two versions, through real kubectl: objects written
 * through either version are stored in the storage version and read back in the version
 * asked for. The `Webhook` CRD renames a field between versions (v1beta1 `spec.cronSpec` is
 * v1 `spec.schedule`) and its converter is an HTTPS server of this test, so reading the other
 * version shows the webhook really ran; the `None` CRD changes only apiVersion. With the
 * webhook down, reads that need it answer a clear 500 and the server keeps serving.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { Etcd3 } from 'etcd3';
import { createCertificateAuthority, issueCertificate } from '@skiff/pki';
import { apiRequest, eventually, kubectl, kubectlBinaries, openWatch, startTestCluster, type KubectlBinary, type TestCluster } from '../harness/index.ts';

// Ports 25600-25601 (etcd), 25650 (apiserver) and 25660 (the conversion webhook) belong to this file.
const BASE_PORT = 25600;
const WEBHOOK_PORT = 25660;
const binaries = await kubectlBinaries();

interface Review {
  apiVersion: string;
  request: { uid: string; desiredAPIVersion: string; objects: any[] };
}

/** v1beta1 spec.cronSpec ⇄ v1 spec.schedule; the rest of the object as it is. */
function convert(obj: any, desired: string): any {
  const { cronSpec, schedule, ...rest } = obj.spec ?? {};
  const spec = desired.endsWith('/v1') ? { ...rest, schedule: schedule ?? cronSpec } : { ...rest, cronSpec: cronSpec ?? schedule };
  return { ...obj, apiVersion: desired, spec };
}

/** The CRD's conversion webhook: every review it answered is kept, to see what was sent. */
async function startConverter(): Promise<{ server: Server; caBundle: string; reviews: Review[]; listen(): Promise<void> }> {
  const ca = await createCertificateAuthority('crd-conversion-test', 1);
  const serving = await issueCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'], usage: 'server', validityDays: 1 });
  const reviews: Review[] = [];
  const server = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString()) as Review;
      reviews.push(review);
      const { uid, desiredAPIVersion, objects } = review.request;
      const convertedObjects = objects.map((o) => convert(o, desiredAPIVersion));
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'ConversionReview', response: { uid, result: { status: 'Success' }, convertedObjects } }));
    });
  });
  const listen = () => new Promise<void>((resolve) => server.listen(WEBHOOK_PORT, '127.0.0.1', resolve));
  await listen();
  return { server, caBundle: Buffer.from(ca.cert).toString('base64'), reviews, listen };
}

const schemaWith = (field: string) =>
  `{ openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { ${field}: { type: string }, replicas: { type: integer } } } } } }`;

const webhookCrd = (caBundle: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: crontabs.stable.example.com }
spec:
  group: stable.example.com
  names: { kind: CronTab, listKind: CronTabList, plural: crontabs, singular: crontab }
  scope: Namespaced
  versions:
  - { name: v1beta1, served: true, storage: false, schema: ${schemaWith('cronSpec')} }
  - { name: v1, served: true, storage: true, schema: ${schemaWith('schedule')} }
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1, v1beta1]
      clientConfig: { url: "https://127.0.0.1:${WEBHOOK_PORT}/convert", caBundle: ${caBundle} }
`;

const noneCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.none.example.com }
spec:
  group: none.example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
  - { name: v1alpha1, served: true, storage: false, schema: ${schemaWith('size')} }
  - { name: v1, served: true, storage: true, schema: ${schemaWith('size')} }
`;

const crontab = (version: string, name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: `stable.example.com/${version}`, kind: 'CronTab', metadata: { name, namespace: 'default', labels }, spec });

describe('CRD versions and conversion', { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let converter: Awaited<ReturnType<typeof startConverter>>;
  let etcd: Etcd3;
  const run = (bin: KubectlBinary, args: string[], stdin?: string) => kubectl(bin, args, { kubeconfig: cluster.kubeconfigPath, stdin });
  const ok = async (bin: KubectlBinary, args: string[], stdin?: string): Promise<string> => {
    const res = await run(bin, args, stdin);
    assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
    return res.stdout;
  };
  const getJson = async (bin: KubectlBinary, args: string[]): Promise<any> => JSON.parse(await ok(bin, ['get', ...args, '-o', 'json']));
  /** The object as etcd holds it. */
  const stored = async (key: string): Promise<any> => JSON.parse((await etcd.get(key).string()) ?? 'null');

  before(async () => {
    converter = await startConverter();
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1, apiServerPort: BASE_PORT + 50 });
    etcd = new Etcd3({ hosts: cluster.etcd.endpoints });
    await ok(binaries[0]!, ['apply', '-f', '-'], webhookCrd(converter.caBundle));
    await ok(binaries[0]!, ['apply', '-f', '-'], noneCrd);
    await eventually(async () => {
      for (const path of ['/apis/stable.example.com/v1beta1', '/apis/stable.example.com/v1', '/apis/none.example.com/v1alpha1']) {
        assert.equal((await apiRequest(cluster.admin, 'GET', path)).status, 200, path);
      }
    }, 10_000);
  });
  after(async () => {
    etcd?.close();
    converter?.server.close();
    await cluster?.stop();
  });

  for (const bin of binaries) {
    describe(bin.name, () => {
      const beta = `${bin.name}-beta`;
      const ga = `${bin.name}-ga`;

      it('objects written through either version are stored in v1 and read in each version', async () => {
        converter.reviews.length = 0;
        await ok(bin, ['create', '-f', '-'], crontab('v1beta1', beta, { cronSpec: '*/5 * * * *', replicas: 1 }, { via: 'beta' }));
        await ok(bin, ['create', '-f', '-'], crontab('v1', ga, { schedule: '0 * * * *', replicas: 2 }, { via: 'ga' }));
        assert.ok(
          converter.reviews.some((r) => r.request.desiredAPIVersion === 'stable.example.com/v1'),
          'the v1beta1 write went through the webhook',
        );

        const inEtcd = await stored(`/registry/stable.example.com/crontabs/default/${beta}`);
        assert.equal(inEtcd.apiVersion, 'stable.example.com/v1');
        assert.deepEqual(inEtcd.spec, { schedule: '*/5 * * * *', replicas: 1 });

        const betaAsV1 = await getJson(bin, ['crontabs.v1.stable.example.com', beta]);
        assert.equal(betaAsV1.apiVersion, 'stable.example.com/v1');
        assert.deepEqual(betaAsV1.spec, { schedule: '*/5 * * * *', replicas: 1 });
        const gaAsBeta = await getJson(bin, ['crontabs.v1beta1.stable.example.com', ga]);
        assert.equal(gaAsBeta.apiVersion, 'stable.example.com/v1beta1');
        assert.deepEqual(gaAsBeta.spec, { cronSpec: '0 * * * *', replicas: 2 });
        assert.equal(gaAsBeta.metadata.uid, (await getJson(bin, ['crontabs.v1.stable.example.com', ga])).metadata.uid);
      });

      it('a list through v1beta1 converts its items in one review and keeps label selectors working', async () => {
        converter.reviews.length = 0;
        const list = await getJson(bin, ['crontabs.v1beta1.stable.example.com']);
        assert.equal(list.apiVersion, 'v1'); // kubectl wraps what it prints in a v1 List
        const mine = list.items.filter((i: any) => i.metadata.name.startsWith(bin.name));
        assert.deepEqual(mine.map((i: any) => i.spec.cronSpec).sort(), ['*/5 * * * *', '0 * * * *']);
        assert.ok(list.items.every((i: any) => i.apiVersion === 'stable.example.com/v1beta1' && i.spec.schedule === undefined));
        const listReviews = converter.reviews.filter((r) => r.request.desiredAPIVersion === 'stable.example.com/v1beta1');
        assert.equal(listReviews.length, 1, 'one review for the list');
        assert.equal(listReviews[0]!.request.objects.length, list.items.length);

        const selected = await getJson(bin, ['crontabs.v1beta1.stable.example.com', '-l', 'via=ga']);
        assert.ok(selected.items.length >= 1 && selected.items.every((i: any) => i.metadata.labels.via === 'ga'));
        assert.ok(selected.items.some((i: any) => i.metadata.name === ga && i.spec.cronSpec === '0 * * * *'));
      });

      it('a watch through v1beta1 sees a change made through v1 in v1beta1', async () => {
        const list = await apiRequest(cluster.admin, 'GET', '/apis/stable.example.com/v1beta1/namespaces/default/crontabs');
        const watch = await openWatch(
          cluster.admin,
          `/apis/stable.example.com/v1beta1/namespaces/default/crontabs?watch=true&resourceVersion=${list.json.metadata.resourceVersion}`,
        );
        try {
          await ok(bin, ['patch', 'crontabs.v1.stable.example.com', ga, '--type=merge', '-p', '{"spec":{"schedule":"30 2 * * *"}}']);
          await watch.waitFor((events) => events.some((e) => e.type === 'MODIFIED' && e.object.metadata.name === ga), 10_000);
          const modified = watch.events.find((e) => e.type === 'MODIFIED' && e.object.metadata.name === ga)!;
          assert.equal(modified.object.apiVersion, 'stable.example.com/v1beta1');
          assert.deepEqual(modified.object.spec, { cronSpec: '30 2 * * *', replicas: 2 });
        } finally {
          watch.close();
        }
      });

      it('a None CRD changes only apiVersion between versions', async () => {
        const name = `${bin.name}-w`;
        await ok(
          bin,
          ['create', '-f', '-'],
          JSON.stringify({ apiVersion: 'none.example.com/v1alpha1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec: { size: 'L' } }),
        );
        assert.equal((await stored(`/registry/none.example.com/widgets/default/${name}`)).apiVersion, 'none.example.com/v1');
        const asV1 = await getJson(bin, ['widgets.v1.none.example.com', name]);
        assert.equal(asV1.apiVersion, 'none.example.com/v1');
        assert.deepEqual(asV1.spec, { size: 'L' });
        const asAlpha = await getJson(bin, ['widgets.v1alpha1.none.example.com', name]);
        assert.equal(asAlpha.apiVersion, 'none.example.com/v1alpha1');
        assert.deepEqual(asAlpha.spec, { size: 'L' });
      });
    });
  }

  it('with the webhook down, reads that need it answer 500 in upstream words; the rest keeps working', async () => {
    await new Promise<void>((resolve) => converter.server.close(() => resolve()));
    try {
      const bin = binaries.at(-1)!;
      const name = `${bin.name}-ga`;
      const res = await apiRequest(cluster.admin, 'GET', `/apis/stable.example.com/v1beta1/namespaces/default/crontabs/${name}`);
      assert.equal(res.status, 500);
      assert.equal(res.json.kind, 'Status');
      assert.match(
        res.json.message,
        new RegExp(
          `^conversion webhook for stable\\.example\\.com/v1, Kind=CronTab failed: Post "https://127\\.0\\.0\\.1:${WEBHOOK_PORT}/convert": .*ECONNREFUSED`,
        ),
      );
      const get = await run(bin, ['get', 'crontabs.v1beta1.stable.example.com', name]);
      assert.notEqual(get.code, 0);
      assert.match(get.stderr, /conversion webhook for stable\.example\.com\/v1, Kind=CronTab failed/);
      const write = await run(bin, ['create', '-f', '-'], crontab('v1beta1', 'while-down', { cronSpec: '1 1 * * *' }));
      assert.notEqual(write.code, 0);
      assert.match(write.stderr, /conversion webhook for stable\.example\.com\/v1beta1, Kind=CronTab failed/);
      // The storage version needs no conversion, and the server serves everything else.
      assert.equal((await getJson(bin, ['crontabs.v1.stable.example.com', name])).spec.schedule, '30 2 * * *');
      await ok(bin, ['get', 'namespaces']);
    } finally {
      await converter.listen();
    }
    const back = await apiRequest(cluster.admin, 'GET', '/apis/stable.example.com/v1beta1/namespaces/default/crontabs');
    assert.equal(back.status, 200, back.body);
  });
});
