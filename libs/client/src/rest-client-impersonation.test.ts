import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResourceInfo } from '@skiff/api';
import { RestClient, impersonationHeaders, type Impersonation } from './rest-client.ts';

const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true } as ResourceInfo;

/** The Impersonate-* header lines of a request, as sent on the wire (repeated headers stay apart). */
function impersonateLines(req: IncomingMessage): string[] {
  const lines: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (/^impersonate-/i.test(req.rawHeaders[i]!)) lines.push(`${req.rawHeaders[i]!.toLowerCase()}: ${req.rawHeaders[i + 1]}`);
  }
  return lines;
}

/** A local server answering every request with an empty list (a watch: one event), noting each request's impersonation lines. */
async function serve(impersonate: Impersonation | undefined) {
  const seen: string[][] = [];
  const server = createServer((req, res) => {
    seen.push(impersonateLines(req));
    res.writeHead(200, { 'content-type': 'application/json' });
    if (req.url!.includes('watch=true')) res.end(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'cm' } } })}\n`);
    else res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMapList', metadata: {}, items: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const config = { server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, namespace: 'default' };
  const client = new RestClient(config, impersonate ? { impersonate } : {});
  const close = async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return { seen, client, close };
}

test('impersonate sends Impersonate-User and one Impersonate-Group line per group on requests and watches', async () => {
  const { seen, client, close } = await serve({ user: 'alice', groups: ['dev', 'ops'] });
  try {
    await client.list(CONFIGMAPS, 'ns');
    for await (const event of client.watch(CONFIGMAPS, 'ns')) {
      assert.equal(event.type, 'ADDED');
    }
    const expected = ['impersonate-user: alice', 'impersonate-group: dev', 'impersonate-group: ops'];
    assert.deepEqual(seen, [expected, expected]);
    // Streams opened beside the client (kubectl's exec, logs) read it from the client's config.
    assert.deepEqual(impersonationHeaders(client.config), { 'impersonate-user': 'alice', 'impersonate-group': ['dev', 'ops'] });
  } finally {
    await close();
  }
});

test('without impersonate no Impersonate-* header is sent; a user alone sends no group', async () => {
  const plain = await serve(undefined);
  try {
    await plain.client.list(CONFIGMAPS, 'ns');
    assert.deepEqual(plain.seen, [[]]);
    assert.deepEqual(impersonationHeaders(plain.client.config), {});
  } finally {
    await plain.close();
  }
  const userOnly = await serve({ user: 'system:serviceaccount:ns:sa' });
  try {
    await userOnly.client.list(CONFIGMAPS, 'ns');
    assert.deepEqual(userOnly.seen, [['impersonate-user: system:serviceaccount:ns:sa']]);
  } finally {
    await userOnly.close();
  }
});
