import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@skiff/log';
import type { ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import type { ApiHandlers } from '../registry/handlers.ts';
import type { WatchEvent } from '../storage/store.ts';
import { serveWatch, watchTimeoutMs, withNameSelector } from './watch.ts';

const pods = { group: '', version: 'v1', resource: 'pods', kind: 'Pod' } as ResourceInfo;

/** Serves one watch with the given handlers.watch and returns status + body lines. */
async function runWatch(watch: ApiHandlers['watch']): Promise<{ status: number; lines: any[] }> {
  const shutdown = new AbortController();
  const ctx = { handlers: { watch } as ApiHandlers, logger: createLogger('test', 'silent'), shutdown: shutdown.signal, minRequestTimeoutSeconds: 1800 };
  const server = createServer((req, res) => {
    void serveWatch(ctx, req, res, pods, 'default', '', {}, undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      request({ port, host: '127.0.0.1', path: '/' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            lines: body
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l)),
          }),
        );
      })
        .on('error', reject)
        .end();
    });
  } finally {
    shutdown.abort();
    server.close();
  }
}

test('a 410 before the first event is a 200 with one ERROR event, as client-go expects', async () => {
  const { status, lines } = await runWatch(async () => {
    throw errors.gone('too old resource version: 1 (5)');
  });
  assert.equal(status, 200);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].type, 'ERROR');
  assert.equal(lines[0].object.code, 410);
  assert.equal(lines[0].object.reason, 'Expired');
});

test('other errors before the stream are plain Status responses', async () => {
  const { status, lines } = await runWatch(async () => {
    throw errors.badRequest('bad selector');
  });
  assert.equal(status, 400);
  assert.equal(lines[0].kind, 'Status');
});

test('events stream one per line; an error mid-stream becomes an ERROR event', async () => {
  async function* events(): AsyncIterable<WatchEvent> {
    yield { type: 'ADDED', object: { metadata: { name: 'a' } } };
    yield { type: 'MODIFIED', object: { metadata: { name: 'a' } } };
    throw errors.gone('compacted');
  }
  const { status, lines } = await runWatch(async () => events());
  assert.equal(status, 200);
  assert.deepEqual(
    lines.map((l) => l.type),
    ['ADDED', 'MODIFIED', 'ERROR'],
  );
});

test("named watches filter by metadata.name; timeouts follow timeoutSeconds or kube's random window", () => {
  assert.deepEqual(withNameSelector({ fieldSelector: 'spec.nodeName=n1' }, 'web'), { fieldSelector: 'spec.nodeName=n1,metadata.name=web' });
  assert.deepEqual(withNameSelector({}, ''), {});
  assert.equal(watchTimeoutMs({ timeoutSeconds: 5 }, 1800), 5000);
  const t = watchTimeoutMs({}, 1800);
  assert.ok(t >= 1800_000 && t < 3600_000);
});
