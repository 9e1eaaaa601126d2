import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseApiServerFlags } from './config.ts';

const required = ['--etcd-servers=http://127.0.0.1:2379,http://127.0.0.1:2479', '--tls-cert-file=a.crt', '--tls-private-key-file=a.key', '--client-ca-file', 'ca.crt'];

test('parseApiServerFlags reads the flags with defaults', () => {
  const cfg = parseApiServerFlags([...required, '--secure-port=7443', '--max-request-bytes=1024', '--log-level=debug']);
  assert.deepEqual(cfg.etcdServers, ['http://127.0.0.1:2379', 'http://127.0.0.1:2479']);
  assert.equal(cfg.clientCaFile, 'ca.crt');
  assert.equal(cfg.securePort, 7443);
  assert.equal(cfg.maxRequestBytes, 1024);
  assert.equal(cfg.serviceClusterIpRange, '10.96.0.0/12');
  assert.equal(cfg.bindAddress, '0.0.0.0');
  assert.equal(cfg.logLevel, 'debug');
});

test('parseApiServerFlags rejects unknown, malformed and missing flags', () => {
  assert.throws(() => parseApiServerFlags([...required, '--insecure-port=8080']), (e: unknown) => e instanceof FlagError && /unknown flag: --insecure-port/.test(e.message) && /usage:/.test(e.message));
  assert.throws(() => parseApiServerFlags([...required, '--secure-port=abc']), FlagError);
  assert.throws(() => parseApiServerFlags([...required, '--secure-port=70000']), FlagError);
  assert.throws(() => parseApiServerFlags(['--tls-cert-file=a']), /missing required flag\(s\): --etcd-servers, --tls-private-key-file, --client-ca-file/);
});

test('parseApiServerFlags reads the default toleration seconds', () => {
  const defaults = parseApiServerFlags(required);
  assert.equal(defaults.defaultNotReadyTolerationSeconds, 300);
  assert.equal(defaults.defaultUnreachableTolerationSeconds, 300);
  const cfg = parseApiServerFlags([...required, '--default-not-ready-toleration-seconds=5', '--default-unreachable-toleration-seconds', '0']);
  assert.equal(cfg.defaultNotReadyTolerationSeconds, 5);
  assert.equal(cfg.defaultUnreachableTolerationSeconds, 0);
  assert.throws(() => parseApiServerFlags([...required, '--default-unreachable-toleration-seconds=-1']), FlagError);
});
