import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import { after, it } from 'node:test';
import { parseBackends, startBalancer } from './tcp-balancer.ts';

const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

function echoServer(tag: string): Promise<number> {
  return new Promise((resolvePort) => {
    // The balancer's health probes connect and hang up at once: their resets are expected.
    const server = createServer((socket) => socket.on('error', () => {}).end(tag));
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolvePort((server.address() as { port: number }).port));
  });
}

function ask(port: number): Promise<string> {
  return new Promise((resolveAnswer, reject) => {
    let data = '';
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolveAnswer(data));
    socket.on('error', reject);
  });
}

it('spreads connections over backends and skips one that is down', async () => {
  const a = await echoServer('a');
  const b = await echoServer('b');
  const balancer = await startBalancer({
    host: '127.0.0.1',
    port: 0,
    backends: [
      { host: '127.0.0.1', port: a },
      { host: '127.0.0.1', port: b },
    ],
    probeIntervalMs: 100,
  });
  const port = (balancer.server.address() as { port: number }).port;
  try {
    const answers = new Set([await ask(port), await ask(port), await ask(port)]);
    assert.deepEqual([...answers].sort(), ['a', 'b']);
    servers[0]!.close();
    // Even before a probe notices, a refused connect falls through to the next backend.
    for (let i = 0; i < 4; i++) assert.equal(await ask(port), 'b');
  } finally {
    await balancer.close();
  }
});

it('parses host:port lists', () => {
  assert.deepEqual(parseBackends('10.0.0.1:1,h:2'), [
    { host: '10.0.0.1', port: 1 },
    { host: 'h', port: 2 },
  ]);
  assert.throws(() => parseBackends('nope'), /host:port/);
});

it('falls back to a backend the probe last saw down when every healthy one refuses', async () => {
  const a = await echoServer('a');
  // b is down at the first probe, and the probe interval is long: the balancer still believes it down
  // when a dies and b comes up.
  const placeholder = createServer();
  const b = await new Promise<number>((resolvePort) => placeholder.listen(0, '127.0.0.1', () => resolvePort((placeholder.address() as { port: number }).port)));
  await new Promise<void>((resolveClose) => placeholder.close(() => resolveClose()));
  const balancer = await startBalancer({
    host: '127.0.0.1',
    port: 0,
    backends: [
      { host: '127.0.0.1', port: a },
      { host: '127.0.0.1', port: b },
    ],
    probeIntervalMs: 60_000,
  });
  const port = (balancer.server.address() as { port: number }).port;
  try {
    assert.deepEqual(
      balancer.healthy().map((x) => x.port),
      [a],
    );
    const revived = createServer((socket) => socket.on('error', () => {}).end('b'));
    servers.push(revived);
    await new Promise<void>((resolveListen) => revived.listen(b, '127.0.0.1', () => resolveListen()));
    servers.find((s) => (s.address() as { port: number } | null)?.port === a)!.close();
    assert.equal(await ask(port), 'b');
  } finally {
    await balancer.close();
  }
});
