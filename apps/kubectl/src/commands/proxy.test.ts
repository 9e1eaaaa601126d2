import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_ACCEPT_HOSTS,
  DEFAULT_ACCEPT_PATHS,
  DEFAULT_REJECT_METHODS,
  DEFAULT_REJECT_PATHS,
  acceptRequest,
  apiPathFor,
  hostOf,
  regexpList,
} from './proxy.ts';

const filter = {
  acceptPaths: regexpList(DEFAULT_ACCEPT_PATHS),
  rejectPaths: regexpList(DEFAULT_REJECT_PATHS),
  acceptHosts: regexpList(DEFAULT_ACCEPT_HOSTS),
  rejectMethods: regexpList(DEFAULT_REJECT_METHODS),
};

test('the default filter: localhost only, no exec or attach', () => {
  const cases: [string, string, string, boolean][] = [
    ['GET', '/api/v1/pods', 'localhost', true],
    ['GET', '/api/v1/pods', '127.0.0.1', true],
    ['GET', '/api/v1/pods', 'evil.example', false],
    ['POST', '/api/v1/namespaces/default/pods/web/exec', 'localhost', false],
    ['GET', '/api/v1/namespaces/default/pods/web/attach', 'localhost', false],
    ['GET', '/api/v1/namespaces/default/pods/web/log', 'localhost', true],
  ];
  for (const [method, path, host, want] of cases) assert.equal(acceptRequest(filter, method, path, host), want, `${method} ${path} ${host}`);
});

test('Host headers lose their port as Go splits them', () => {
  assert.equal(hostOf('localhost:8001'), 'localhost');
  assert.equal(hostOf('localhost'), 'localhost');
  assert.equal(hostOf('[::1]:8001'), '::1');
});

test('--api-prefix: stripped unless it starts with /api, 404 outside it', () => {
  assert.equal(apiPathFor('/api/v1/pods', '/'), '/api/v1/pods');
  assert.equal(apiPathFor('/custom/api/v1/pods', '/custom/'), '/api/v1/pods');
  assert.equal(apiPathFor('/api/v1/pods', '/api/'), '/api/v1/pods');
  assert.equal(apiPathFor('/version', '/api/'), undefined);
});
