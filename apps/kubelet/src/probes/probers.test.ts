import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Container } from '@skiff/api';
import { createCertificateAuthority } from '@skiff/pki';
import { probeExec } from './exec-probe.ts';
import { probeGrpc } from './grpc-probe.ts';
import { probeHttp, PROBE_USER_AGENT } from './http-probe.ts';
import { resolvePort, runProbe } from './run-probe.ts';
import { probeTcp } from './tcp-probe.ts';

// Ports from this suite's range (27200–27299).
const HTTP_PORT = 27201;
const HTTPS_PORT = 27202;
const TCP_PORT = 27203;
const CLOSED_PORT = 27204;

let lastRequest: http.IncomingMessage | undefined;
const servers: Array<http.Server | net.Server> = [];

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  lastRequest = req;
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/ok':
      res.end('fine');
      return;
    case '/fail':
      res.writeHead(500).end('broken');
      return;
    case '/moved':
      res.writeHead(302, { location: '/ok' }).end();
      return;
    case '/away':
      res.writeHead(302, { location: `http://localhost:${HTTP_PORT}/fail` }).end('going away');
      return;
    case '/bare':
      res.writeHead(300).end('choices');
      return;
    case '/loop':
      res.writeHead(301, { location: '/loop' }).end();
      return;
    case '/hang':
      return; // never answers
    default:
      res.writeHead(404).end();
  }
}

function listen(server: http.Server | net.Server, port: number): Promise<void> {
  servers.push(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

const target = (path: string, extra: Partial<Parameters<typeof probeHttp>[0]> = {}) => ({
  scheme: 'HTTP' as const,
  host: '127.0.0.1',
  port: HTTP_PORT,
  path,
  headers: [],
  timeoutMs: 1000,
  ...extra,
});

before(async () => {
  await listen(http.createServer(handler), HTTP_PORT);
  const pair = await createCertificateAuthority('k3-probe-test', 1);
  await listen(https.createServer({ cert: pair.cert, key: pair.key }, handler), HTTPS_PORT);
  await listen(
    net.createServer((socket) => socket.end()),
    TCP_PORT,
  );
});

after(() => {
  for (const server of servers) {
    (server as http.Server).closeAllConnections?.();
    server.close();
  }
});

describe('httpGet prober', () => {
  it('succeeds on 2xx and sends upstream-like headers', async () => {
    const outcome = await probeHttp(
      target('ok', {
        headers: [
          { name: 'X-Probe', value: 'a' },
          { name: 'Host', value: 'example.test' },
        ],
      }),
    );
    assert.deepEqual(outcome, { result: 'success', output: 'fine' });
    assert.equal(lastRequest?.url, '/ok');
    assert.equal(lastRequest?.headers['user-agent'], PROBE_USER_AGENT);
    assert.equal(lastRequest?.headers['accept'], '*/*');
    assert.equal(lastRequest?.headers['x-probe'], 'a');
    assert.equal(lastRequest?.headers['host'], 'example.test');
  });

  it('fails on 5xx with the kubelet message', async () => {
    assert.deepEqual(await probeHttp(target('/fail')), { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  });

  it('follows redirects on the same host and stops at another host with a warning', async () => {
    assert.equal((await probeHttp(target('/moved'))).result, 'success');
    assert.deepEqual(await probeHttp(target('/away')), { result: 'warning', output: 'Probe terminated redirects, Response body: going away' });
    assert.deepEqual(await probeHttp(target('/bare')), { result: 'warning', output: 'Probe terminated redirects, Response body: choices' });
    const loop = await probeHttp(target('/loop'));
    assert.equal(loop.result, 'failure');
    assert.match(loop.output, /stopped after 10 redirects/);
  });

  it('fails when the server does not answer within the timeout', async () => {
    const outcome = await probeHttp(target('/hang', { timeoutMs: 300 }));
    assert.equal(outcome.result, 'failure');
    assert.equal(outcome.output, `Get "http://127.0.0.1:${HTTP_PORT}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
  });

  it('fails with a dial error when nothing listens', async () => {
    const outcome = await probeHttp(target('/', { port: CLOSED_PORT }));
    assert.deepEqual(outcome, {
      result: 'failure',
      output: `Get "http://127.0.0.1:${CLOSED_PORT}/": dial tcp 127.0.0.1:${CLOSED_PORT}: connect: connection refused`,
    });
  });

  it('speaks HTTPS without verifying the certificate', async () => {
    assert.equal((await probeHttp(target('/ok', { scheme: 'HTTPS', port: HTTPS_PORT }))).result, 'success');
    assert.equal((await probeHttp(target('/fail', { scheme: 'HTTPS', port: HTTPS_PORT }))).result, 'failure');
  });
});

describe('tcpSocket prober', () => {
  it('succeeds when the port accepts a connection', async () => {
    assert.equal((await probeTcp('127.0.0.1', TCP_PORT, 1000)).result, 'success');
  });
  it('fails when nothing listens', async () => {
    assert.deepEqual(await probeTcp('127.0.0.1', CLOSED_PORT, 1000), {
      result: 'failure',
      output: `dial tcp 127.0.0.1:${CLOSED_PORT}: connect: connection refused`,
    });
  });
});

describe('exec prober', () => {
  it('maps exit codes, timeouts and errors', async () => {
    const ok = await probeExec(async () => ({ exitCode: 0, output: 'yes' }), 'c1', ['true'], 1000);
    assert.deepEqual(ok, { result: 'success', output: 'yes' });
    const bad = await probeExec(async () => ({ exitCode: 1, output: "cat: can't open '/tmp/ready'" }), 'c1', ['cat', '/tmp/ready'], 1000);
    assert.deepEqual(bad, { result: 'failure', output: "cat: can't open '/tmp/ready'" });
    const hung = await probeExec(() => new Promise(() => {}), 'c1', ['sleep', '100'], 10);
    assert.deepEqual(hung, { result: 'failure', output: 'command "sleep 100" timed out' });
    const gone = await probeExec(
      async () => {
        throw new Error('no such container');
      },
      'c1',
      ['true'],
      1000,
    );
    assert.deepEqual(gone, { result: 'unknown', output: 'no such container' });
  });
});

describe('runProbe', () => {
  const container: Container = { name: 'web', ports: [{ name: 'http', containerPort: HTTP_PORT }] };

  it('resolves named ports and targets the pod IP', async () => {
    assert.equal(resolvePort('http', container), HTTP_PORT);
    assert.equal(resolvePort('8080', container), 8080);
    assert.throws(() => resolvePort('nope', container), /couldn't find port: nope/);
    const outcome = await runProbe(
      { httpGet: { port: 'http', path: '/fail' } },
      { container, containerId: 'c1', podIP: '127.0.0.1', exec: async () => ({ exitCode: 0, output: '' }) },
    );
    assert.equal(outcome.output, 'HTTP probe failed with statuscode: 500');
  });

  it('reports an unknown named port as unknown, not as a failure', async () => {
    const outcome = await runProbe(
      { tcpSocket: { port: 'nope' } },
      { container, containerId: 'c1', podIP: '127.0.0.1', exec: async () => ({ exitCode: 0, output: '' }) },
    );
    assert.equal(outcome.result, 'unknown');
  });
});

describe('grpc prober', () => {
  const GRPC_PORT = 27205;
  let serving = 1;
  let lastService = '';
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown method' }, { endStream: true });
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      lastService = Buffer.concat(chunks).subarray(7).toString('utf8');
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, serving]));
    });
  });
  before(() => new Promise<void>((resolve) => server.listen(GRPC_PORT, '127.0.0.1', resolve)));
  after(() => server.close());

  it('asks the health service and maps its answer', async () => {
    assert.deepEqual(await probeGrpc('127.0.0.1', GRPC_PORT, 'db', 1000), { result: 'success', output: '' });
    assert.equal(lastService, 'db');
    serving = 2;
    assert.deepEqual(await probeGrpc('127.0.0.1', GRPC_PORT, '', 1000), { result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
  });

  it('fails when nothing listens', async () => {
    const outcome = await probeGrpc('127.0.0.1', CLOSED_PORT, '', 1000);
    assert.equal(outcome.result, 'failure');
    assert.match(outcome.output, /connection refused/);
  });
});
