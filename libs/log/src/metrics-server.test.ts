import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter } from 'prom-client';
import { createMetricsRegistry } from './metrics.ts';
import { markShuttingDown, serveMetrics } from './metrics-server.ts';

test('serveMetrics answers /metrics, /healthz and 404 on an ephemeral port', async (t) => {
  const registry = createMetricsRegistry('test-component');
  const counter = new Counter({ name: 'skiff_test_things_total', help: 'things', registers: [registry] });
  counter.inc(3);
  let healthy = true;
  const server = await serveMetrics(registry, 0, '127.0.0.1', () => healthy);
  t.after(() => server.close());
  assert.ok(server.port > 0);
  const base = `http://127.0.0.1:${server.port}`;

  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
  const text = await metrics.text();
  assert.match(text, /skiff_test_things_total\{component="test-component"\} 3/);
  assert.match(text, /process_resident_memory_bytes/);

  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), 'ok');
  healthy = false;
  assert.equal((await fetch(`${base}/healthz`)).status, 503);

  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
});

test('serveMetrics rejects when the port is taken, and close frees it', async () => {
  const registry = createMetricsRegistry('a');
  const first = await serveMetrics(registry, 0);
  await assert.rejects(serveMetrics(registry, first.port), /EADDRINUSE/);
  await first.close();
  const again = await serveMetrics(registry, first.port);
  await again.close();
});

// Last: the shutdown flag is for the whole process.
test('once the process is shutting down every health endpoint answers 503', async (t) => {
  const server = await serveMetrics(createMetricsRegistry('stopping'), 0);
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.port}`;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  markShuttingDown();
  for (const path of ['/healthz', '/livez', '/readyz']) {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 503, path);
    assert.equal(await res.text(), 'shutting down');
  }
  assert.equal((await fetch(`${base}/metrics`)).status, 200, 'metrics are still served');
});
