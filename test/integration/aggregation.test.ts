/**
 * The aggregation layer as users meet it: local APIServices for every built-in group, aggregated
 * discovery read by the newest kubectl in one request per root, and a small extension apiserver
 * written here (HTTPS on loopback, trusting only the front-proxy CA's client certificate, reading
 * X-Remote-User) reached through an APIService whose Service has a hand-made EndpointSlice to
 * 127.0.0.1 — by raw requests and by `kubectl get`. An APIService without a reachable server
 * answers 503 and is Available=False.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from '@skiff/pki';
import { apiRequest, eventually, kubectl, kubectlBinaries, startTestCluster, type KubectlBinary, type TestCluster } from '../harness/index.ts';

// Ports 25800-25801 (etcd), 25850 (apiserver), 25860 (the extension apiserver) belong to this file.
const BASE_PORT = 25800;
const API_PORT = 25850;
const EXTENSION_PORT = 25860;
const binaries = await kubectlBinaries();

const GV = '/apis/wardle.example.com/v1alpha1';
const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

interface Seen {
  user?: string;
  groups: string[];
  authorization?: string;
}

/** The extension apiserver: serves flunders, only to the front proxy. */
async function startExtensionServer(serving: { cert: string; key: string }, frontProxyCa: string, seen: Seen[]): Promise<Server> {
  const answer = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    if (!(req.socket as TLSSocket).authorized)
      return answer(res, 401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
    const headers: IncomingHttpHeaders = req.headers;
    // One X-Remote-Group header per group (headersDistinct keeps them apart).
    seen.push({
      user: headers['x-remote-user'] as string | undefined,
      groups: req.headersDistinct['x-remote-group'] ?? [],
      authorization: headers.authorization,
    });
    const path = (req.url ?? '').split('?')[0];
    if (path === GV) {
      return answer(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'wardle.example.com/v1alpha1',
        resources: [{ name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list'] }],
      });
    }
    if (path === `${GV}/namespaces/default/flunders`) {
      const item = { apiVersion: 'wardle.example.com/v1alpha1', kind: 'Flunder', metadata: { name: 'alpha', namespace: 'default' } };
      if ((req.url ?? '').includes('watch=1')) {
        // One event now, one later: the proxy must pass each on as it comes.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(`${JSON.stringify({ type: 'ADDED', object: item })}\n`);
        setTimeout(() => res.end(`${JSON.stringify({ type: 'DELETED', object: item })}\n`), 300);
        return;
      }
      if ((headers.accept ?? '').includes('as=Table')) {
        return answer(res, 200, {
          kind: 'Table',
          apiVersion: 'meta.k8s.io/v1',
          metadata: {},
          columnDefinitions: [
            { name: 'Name', type: 'string', format: 'name', description: '', priority: 0 },
            { name: 'Served-By', type: 'string', format: '', description: '', priority: 0 },
          ],
          rows: [{ cells: ['alpha', 'extension'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata } }],
        });
      }
      return answer(res, 200, { kind: 'FlunderList', apiVersion: 'wardle.example.com/v1alpha1', metadata: {}, items: [item] });
    }
    answer(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  };
  const server = createServer({ ...serving, ca: frontProxyCa, requestCert: true, rejectUnauthorized: false }, serve);
  await new Promise<void>((resolve) => server.listen(EXTENSION_PORT, '127.0.0.1', resolve));
  return server;
}

describe('aggregation layer and aggregated discovery', { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let extension: Server;
  const seen: Seen[] = [];
  const pkiDir = mkdtempSync(join(tmpdir(), 'skiff-it-aggregation-'));
  const extensionCa = { cert: '', key: '' };

  before(async () => {
    const frontProxyCa = await createCertificateAuthority('front-proxy-ca', 1);
    const client = await issueCertificate(frontProxyCa, { commonName: 'front-proxy-client', usage: 'client', validityDays: 1 });
    writeFileSync(join(pkiDir, 'front-proxy-ca.crt'), frontProxyCa.cert);
    writeFileSync(join(pkiDir, 'front-proxy-client.crt'), client.cert);
    writeFileSync(join(pkiDir, 'front-proxy-client.key'), client.key);
    Object.assign(extensionCa, await createCertificateAuthority('wardle-ca', 1));
    const serving = await issueCertificate(extensionCa, { commonName: 'api.wardle.svc', hosts: ['api.wardle.svc'], usage: 'server', validityDays: 1 });
    extension = await startExtensionServer(serving, frontProxyCa.cert, seen);
    cluster = await startTestCluster({
      basePort: BASE_PORT,
      apiServerPort: API_PORT,
      etcdMembers: 1,
      apiServerArgs: [
        `--proxy-client-cert-file=${join(pkiDir, 'front-proxy-client.crt')}`,
        `--proxy-client-key-file=${join(pkiDir, 'front-proxy-client.key')}`,
        `--requestheader-client-ca-file=${join(pkiDir, 'front-proxy-ca.crt')}`,
        '--requestheader-allowed-names=front-proxy-client',
      ],
    });
    // Extension apiservers learn whom to trust from this ConfigMap; it appears when the apiserver wires its front proxy.
    const cm = await eventually(async () => {
      const res = await apiRequest(cluster.admin, 'GET', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication');
      assert.equal(res.status, 200, 'the extension-apiserver-authentication ConfigMap is published');
      return res.json as { data: Record<string, string> };
    }, 5_000);
    assert.equal(cm.data['requestheader-client-ca-file'], frontProxyCa.cert, 'the apiserver publishes the front-proxy CA it was given');
  });
  after(async () => {
    await cluster?.stop();
    extension?.close();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  const create = async (path: string, body: unknown) => {
    const res = await apiRequest(cluster.admin, 'POST', path, { body });
    assert.equal(res.status, 201, res.body);
  };
  const condition = async (name: string) => {
    const res = await apiRequest(cluster.admin, 'GET', `/apis/apiregistration.k8s.io/v1/apiservices/${name}`);
    return (res.json as { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }).status?.conditions?.find(
      (c) => c.type === 'Available',
    );
  };

  it('registers a local APIService per built-in group/version, Available with reason Local', async () => {
    await eventually(async () => assert.equal((await condition('v1.apps'))?.reason, 'Local'));
    for (const name of ['v1.', 'v1.apiregistration.k8s.io', 'v1beta1.metrics.k8s.io']) assert.equal((await condition(name))?.status, 'True', name);
    for (const bin of binaries) {
      const out = await kubectl(bin, ['get', 'apiservices'], { kubeconfig: cluster.kubeconfigPath });
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^NAME\s+SERVICE\s+AVAILABLE\s+AGE/);
      assert.match(out.stdout, /\nv1\.apps\s+Local\s+True\s+/, bin.name);
    }
  });

  it("refuses an invalid APIService with kube-aggregator's messages", async () => {
    const res = await apiRequest(cluster.admin, 'POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
      body: {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: 'v1.wrong.example.com' },
        spec: { group: 'other.example.com', version: 'v1', groupPriorityMinimum: 0, versionPriority: 10, caBundle: 'YWJj' },
      },
    });
    assert.equal(res.status, 422, res.body);
    const causes = (res.json as { details: { causes: { field: string; message: string }[] } }).details.causes;
    assert.deepEqual(
      causes.map((c) => c.field),
      ['metadata.name', 'spec.groupPriorityMinimum', 'spec.caBundle'],
    );
    assert.match(causes[0]!.message, /must be `spec.version\+"."\+spec.group`: "v1.other.example.com"/);
  });

  it('answers aggregated discovery (v2) on /api and /apis, with ETag and Vary, legacy otherwise', async () => {
    const apis = await apiRequest(cluster.admin, 'GET', '/apis', { headers: { accept: AGGREGATED_ACCEPT } });
    assert.equal(apis.status, 200);
    assert.equal(apis.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    assert.equal(apis.headers.vary, 'Accept');
    const doc = apis.json as {
      kind: string;
      items: { metadata: { name: string }; versions: { version: string; resources: { resource: string; scope: string }[] }[] }[];
    };
    assert.equal(doc.kind, 'APIGroupDiscoveryList');
    const apps = doc.items.find((i) => i.metadata.name === 'apps')!;
    assert.ok(apps.versions[0]!.resources.some((r) => r.resource === 'deployments' && r.scope === 'Namespaced'));
    const again = await apiRequest(cluster.admin, 'GET', '/apis', { headers: { accept: AGGREGATED_ACCEPT, 'if-none-match': String(apis.headers.etag) } });
    assert.equal(again.status, 304);
    const core = await apiRequest(cluster.admin, 'GET', '/api', { headers: { accept: AGGREGATED_ACCEPT } });
    assert.deepEqual(
      (core.json as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name),
      [''],
    );
    const legacy = await apiRequest(cluster.admin, 'GET', '/apis');
    assert.equal((legacy.json as { kind: string }).kind, 'APIGroupList');
  });

  it('the newest kubectl discovers through /api and /apis alone', { skip: binaries.length < 2 && 'no kubectl newer than 1.20 on PATH' }, async () => {
    const latest = binaries.find((b) => b.name === 'kubectl-latest')!;
    const cacheDir = mkdtempSync(join(pkiDir, 'cache-'));
    const out = await kubectl(latest, ['api-resources', `--cache-dir=${cacheDir}`, '-v=6'], { kubeconfig: cluster.kubeconfigPath });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /\ndeployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    // Logged as `GET https://host/path?...` (older) or `url="https://host/path?..."` (newer).
    const requests = [...out.stderr.matchAll(/https:\/\/[^/\s"]+(\/[^?\s"]*)/g)].map((m) => m[1]);
    assert.ok(requests.includes('/apis'), requests.join(' '));
    assert.deepEqual(
      requests.filter((p) => p!.startsWith('/apis/') || p!.startsWith('/api/')),
      [],
      'no per-group/version discovery requests',
    );
  });

  it('proxies an APIService backed by a Service to the extension apiserver, as the caller', async () => {
    await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wardle' } });
    await create('/api/v1/namespaces/wardle/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api' },
      spec: { ports: [{ name: 'https', port: 443, targetPort: EXTENSION_PORT }] },
    });
    // No selector: the endpoint is written by hand, to the extension server on loopback.
    await create('/apis/discovery.k8s.io/v1/namespaces/wardle/endpointslices', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'api-1', labels: { 'kubernetes.io/service-name': 'api' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'https', port: EXTENSION_PORT, protocol: 'TCP' }],
    });
    await create('/apis/apiregistration.k8s.io/v1/apiservices', {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1alpha1.wardle.example.com' },
      spec: {
        group: 'wardle.example.com',
        version: 'v1alpha1',
        service: { namespace: 'wardle', name: 'api' },
        caBundle: Buffer.from(extensionCa.cert).toString('base64'),
        groupPriorityMinimum: 1000,
        versionPriority: 15,
      },
    });
    await eventually(
      async () => assert.deepEqual(await condition('v1alpha1.wardle.example.com').then((c) => [c?.status, c?.reason]), ['True', 'Passed']),
      20_000,
    );

    for (const bin of binaries) {
      seen.length = 0;
      const raw = await kubectl(bin, ['get', '--raw', `${GV}/namespaces/default/flunders`], { kubeconfig: cluster.kubeconfigPath });
      assert.equal(raw.code, 0, raw.stderr);
      assert.deepEqual(
        (JSON.parse(raw.stdout) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name),
        ['alpha'],
      );
      assert.deepEqual(seen.at(-1), { user: 'admin', groups: ['system:masters', 'system:authenticated'], authorization: undefined });
      const get = await kubectl(bin, ['get', 'flunders', '-n', 'default'], { kubeconfig: cluster.kubeconfigPath });
      assert.equal(get.code, 0, `${bin.name}: ${get.stderr}`);
      assert.match(get.stdout, /^NAME\s+SERVED-BY\nalpha\s+extension/);
      const apiservices = await kubectl(bin, ['get', 'apiservices', 'v1alpha1.wardle.example.com'], { kubeconfig: cluster.kubeconfigPath });
      assert.match(apiservices.stdout, /v1alpha1\.wardle\.example\.com\s+wardle\/api\s+True\s+/);
    }
    const watch = await apiRequest(cluster.admin, 'GET', `${GV}/namespaces/default/flunders?watch=1`);
    assert.deepEqual(
      watch.body
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { type: string }).type),
      ['ADDED', 'DELETED'],
    );
    const token = await apiRequest({ ...cluster.anonymous, token: cluster.token }, 'GET', `${GV}/namespaces/default/flunders`);
    assert.equal(token.status, 200, token.body);
    assert.equal(seen.at(-1)?.user, 'tester');
    assert.equal(seen.at(-1)?.authorization, undefined, 'the bearer token stays with the apiserver');
  });

  it('answers 503 for an APIService whose server is missing, with the reason in its condition', async () => {
    await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'broken' } } });
    await create('/apis/apiregistration.k8s.io/v1/apiservices', {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1.broken.example.com' },
      spec: {
        group: 'broken.example.com',
        version: 'v1',
        service: { namespace: 'broken', name: 'gone' },
        insecureSkipTLSVerify: true,
        groupPriorityMinimum: 100,
        versionPriority: 10,
      },
    });
    await eventually(
      async () =>
        assert.deepEqual(await condition('v1.broken.example.com').then((c) => [c?.status, c?.reason, c?.message]), [
          'False',
          'ServiceNotFound',
          'service/gone in "broken" is not present',
        ]),
      20_000,
    );
    const res = await apiRequest(cluster.admin, 'GET', '/apis/broken.example.com/v1/things');
    assert.equal(res.status, 503);
    assert.equal(res.body, 'service unavailable\n');
    await create('/api/v1/namespaces/broken/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gone' }, spec: { ports: [{ port: 443 }] } });
    await eventually(async () => assert.equal((await condition('v1.broken.example.com'))?.reason, 'MissingEndpoints'), 10_000);
    for (const bin of binaries as KubectlBinary[]) {
      const out = await kubectl(bin, ['get', '--raw', '/apis/broken.example.com/v1/things'], { kubeconfig: cluster.kubeconfigPath });
      assert.notEqual(out.code, 0);
      assert.match(out.stderr, /ServiceUnavailable|the server is currently unable to handle the request/, bin.name);
      const listed = await kubectl(bin, ['get', 'apiservices', 'v1.broken.example.com'], { kubeconfig: cluster.kubeconfigPath });
      assert.match(listed.stdout, /\nv1\.broken\.example\.com\s+broken\/gone\s+False \(MissingEndpoints\)\s+/, bin.name);
    }
  });
});
