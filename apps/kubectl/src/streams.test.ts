import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import type { Pod, Service } from '@skiff/api';
import { exitCodeOfStatus, runWebSocketSession } from './exec-session.ts';
import { firstPod } from './pod-target.ts';
import { parsePortSpecs, podPortFor } from './commands/port-forward.ts';
import { cpuMillis, memoryBytes } from './commands/top.ts';
import { openWebSocket } from './raw-stream.ts';

test('the error channel Status maps to the remote exit code', () => {
  assert.equal(exitCodeOfStatus({ status: 'Success' }), 0);
  assert.equal(exitCodeOfStatus({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }), 3);
  assert.equal(exitCodeOfStatus({ status: 'Failure', reason: 'InternalError', message: 'boom' }), undefined);
});

test('a v5 exec session: stdout/stderr demuxed, stdin sent and closed, status returned', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  await new Promise((r) => wss.once('listening', r));
  const received: string[] = [];
  wss.on('connection', (ws) => {
    ws.send(Buffer.from('\x01hello out\n'));
    ws.send(Buffer.from('\x02hello err\n'));
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0) received.push(data.subarray(1).toString());
      if (data[0] === 255 && data[1] === 0) {
        ws.send(
          Buffer.concat([
            Buffer.from([3]),
            Buffer.from(JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } })),
          ]),
        );
        ws.close();
      }
    });
  });
  try {
    const port = (wss.address() as AddressInfo).port;
    const ws = await openWebSocket(
      { server: `http://127.0.0.1:${port}`, namespace: 'default' },
      '/exec',
      [['command', 'cat']],
      ['v5.channel.k8s.io', 'v4.channel.k8s.io'],
    );
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c) => (out += c));
    stderr.on('data', (c) => (err += c));
    const done = runWebSocketSession(ws, { stdin, stdout, stderr });
    stdin.end('typed');
    const status = await done;
    assert.equal(exitCodeOfStatus(status), 7);
    assert.equal(out, 'hello out\n');
    assert.equal(err, 'hello err\n');
    assert.deepEqual(received, ['typed']);
  } finally {
    wss.close();
  }
});

test('port specs: LOCAL:REMOTE, PORT, :REMOTE; bad ones are refused', () => {
  assert.deepEqual(parsePortSpecs(['8080:80', '9000', ':443']), [
    { local: 8080, remote: '80' },
    { local: 9000, remote: '9000' },
    { local: 0, remote: '443' },
  ]);
  assert.throws(() => parsePortSpecs(['a:80']), /Error parsing local port 'a'/);
});

test('a service port maps to the pod port behind it (number or named targetPort)', () => {
  const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: 8080 }] }] } } as Pod;
  const svc = {
    metadata: { name: 's' },
    spec: {
      ports: [
        { port: 80, targetPort: 'http' },
        { port: 81, targetPort: 9090 },
      ],
    },
  } as Service;
  assert.equal(podPortFor(pod, '80', svc), 8080);
  assert.equal(podPortFor(pod, '81', svc), 9090);
  assert.equal(podPortFor(pod, 'http'), 8080);
  assert.throws(() => podPortFor(pod, '82', svc), /does not have a service port 82/);
});

test('the first pod prefers running and ready pods', () => {
  const pods = [
    { metadata: { name: 'a', creationTimestamp: '2024-01-01T00:00:00Z' }, status: { phase: 'Pending' } },
    { metadata: { name: 'b', creationTimestamp: '2024-01-02T00:00:00Z' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
  ] as Pod[];
  assert.equal(firstPod(pods)?.metadata?.name, 'b');
});

test('metrics quantities: CPU to millicores, memory to bytes', () => {
  assert.equal(cpuMillis('250m'), 250);
  assert.equal(cpuMillis('1500000n'), 2);
  assert.equal(cpuMillis('2'), 2000);
  assert.equal(memoryBytes('10Mi'), 10 * 1024 * 1024);
  assert.equal(memoryBytes('2048Ki'), 2 * 1024 * 1024);
});
