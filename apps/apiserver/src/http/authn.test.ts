import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createAuthenticator, parseTokenFile } from './authn.ts';

test('parseTokenFile reads kube static token CSV with quoted groups', () => {
  const tokens = parseTokenFile('# comment\nabc123,alice,u1,"dev,ops"\nxyz,bob,u2\n');
  assert.deepEqual(tokens.get('abc123'), { user: 'alice', uid: 'u1', groups: ['dev', 'ops'] });
  assert.deepEqual(tokens.get('xyz'), { user: 'bob', uid: 'u2', groups: [] });
  assert.throws(() => parseTokenFile('onlytoken\n'), /line 1/);
});

test('bearer tokens authenticate; unknown tokens and plain sockets do not', () => {
  const auth = createAuthenticator(parseTokenFile('abc123,alice,u1,"dev"\n'));
  const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {}, socket: {} }) as unknown as IncomingMessage;
  assert.deepEqual(auth(req('Bearer abc123')), { username: 'alice', groups: ['dev', 'system:authenticated'] });
  assert.equal(auth(req('Bearer nope')), undefined);
  assert.equal(auth(req()), undefined);
});
