/**
 * Test support: a plain-HTTP stand-in for the apiserver, just enough for kubectl exec/port-forward
 * (discovery, GET of one running pod) that hands pods/exec|attach|portforward upgrades to
 * handleSpdyUpgrade with a scripted StreamingBackend. Lets the SPDY transport be tested against
 * the real kubectl binaries without a cluster.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStreamRequest, type StreamingBackend } from '../streaming-backend.ts';
import { handleSpdyUpgrade } from './index.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'app', image: 'busybox', ports: [{ containerPort: 8080 }] }] },
  status: { phase: 'Running' },
};

function json(res: import('node:http').ServerResponse, body: unknown): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

export async function startFakeKubeApi(backend: StreamingBackend, port = 0): Promise<{ server: Server; kubeconfig: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/api')
      return json(res, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (path === '/apis') return json(res, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (path === '/api/v1') {
      return json(res, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
          { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
          { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
        ],
      });
    }
    if (path === '/api/v1/namespaces/default/pods/web') return json(res, pod);
    res.statusCode = 404;
    json(res, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${path} not found` });
  });
  server.on('upgrade', (req, socket, head) => {
    // /api/v1/namespaces/NS/pods/NAME/exec?… → the kubelet's /exec/NS/NAME/CONTAINER?… form.
    const url = new URL(req.url ?? '', 'http://x');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/.exec(url.pathname);
    const request =
      m &&
      parseStreamRequest(
        m[3] === 'portforward'
          ? `/portForward/${m[1]}/${m[2]}${url.search}`
          : `/${m[3]}/${m[1]}/${m[2]}/${url.searchParams.get('container') ?? 'app'}${url.search}`,
      );
    if (!request) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    handleSpdyUpgrade(req, socket, head, backend, request);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'k5-spdy-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${(server.address() as AddressInfo).port}"}}]`,
      'users: [{name: u, user: {}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]',
      'current-context: c',
      '',
    ].join('\n'),
  );
  return {
    server,
    kubeconfig,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
