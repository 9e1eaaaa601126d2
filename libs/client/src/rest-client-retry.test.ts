import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResourceInfo } from '@skiff/api';
import { RestClient } from './rest-client.ts';
import { ApiStatusError } from './api-status-error.ts';

const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true } as ResourceInfo;

const tooMany =
  (retryAfter?: string, code = 429) =>
  (res: ServerResponse): void => {
    if (retryAfter !== undefined) res.setHeader('Retry-After', retryAfter);
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'Too many requests, please try again later.',
        reason: 'TooManyRequests',
        code,
      }),
    );
  };
const ok = (res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' } }));
};

/** A local server that answers each request with the next of `answers` (the last one repeats), noting what it got. */
async function serve(answers: Array<(res: ServerResponse) => void>) {
  const seen: Array<{ method: string; url: string; body: string; at: number }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body, at: Date.now() });
      answers[Math.min(seen.length - 1, answers.length - 1)]!(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new RestClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, namespace: 'default' });
  const close = async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return { seen, client, close };
}

test('a 429 with Retry-After is sent again after the advertised seconds, a POST with its body too', async () => {
  const { seen, client, close } = await serve([tooMany('1'), ok]);
  try {
    const created = await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' } });
    assert.equal(created.metadata?.name, 'cm');
    assert.deepEqual(
      seen.map((s) => s.method),
      ['POST', 'POST'],
    );
    assert.equal(seen[1]!.body, seen[0]!.body);
    assert.ok(JSON.parse(seen[1]!.body).metadata.name === 'cm');
    assert.ok(seen[1]!.at - seen[0]!.at >= 950, `waited ${seen[1]!.at - seen[0]!.at} ms`);
  } finally {
    await close();
  }
});

test("a 503 with Retry-After is retried; a 429 without it, or a 500 without it, is the caller's error at once", async () => {
  const retried = await serve([tooMany('0', 503), ok]);
  try {
    assert.equal((await retried.client.get(CONFIGMAPS, 'ns', 'cm')).metadata?.name, 'cm');
    assert.equal(retried.seen.length, 2);
  } finally {
    await retried.close();
  }
  for (const answer of [tooMany(undefined, 429), tooMany(undefined, 500), tooMany('Wed, 21 Oct 2015 07:28:00 GMT', 429)]) {
    const once = await serve([answer, ok]);
    try {
      await assert.rejects(once.client.get(CONFIGMAPS, 'ns', 'cm'), (err: unknown) => err instanceof ApiStatusError);
      assert.equal(once.seen.length, 1);
    } finally {
      await once.close();
    }
  }
});

test("after 10 retries the last 429 is the caller's error, with the server's Status", async () => {
  const { seen, client, close } = await serve([tooMany('0')]);
  try {
    await assert.rejects(client.get(CONFIGMAPS, 'ns', 'cm'), (err: unknown) => {
      assert.ok(err instanceof ApiStatusError);
      assert.equal(err.status.code, 429);
      assert.equal(err.status.reason, 'TooManyRequests');
      return true;
    });
    assert.equal(seen.length, 11, 'the first attempt and 10 retries');
  } finally {
    await close();
  }
});

test('a watch retries its opening request, then streams', async () => {
  const { seen, client, close } = await serve([
    tooMany('0'),
    (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } } }) + '\n');
    },
  ]);
  try {
    const events = [];
    for await (const e of client.watch(CONFIGMAPS, 'ns')) events.push(e);
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED'],
    );
    assert.equal(seen.length, 2);
    assert.match(seen[1]!.url, /watch=true/);
  } finally {
    await close();
  }
});

test('an abort while waiting out a Retry-After ends the request', async () => {
  const { seen, client, close } = await serve([tooMany('5')]);
  try {
    const signal = AbortSignal.timeout(300);
    const started = Date.now();
    await assert.rejects(client.get(CONFIGMAPS, 'ns', 'cm', { signal }));
    assert.ok(Date.now() - started < 3000, 'did not wait the 5 s out');
    assert.equal(seen.length, 1);
  } finally {
    await close();
  }
});
