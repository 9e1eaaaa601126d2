import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseApiServerFlags } from './config.ts';

const required = [
  '--etcd-servers=http://127.0.0.1:2379,http://127.0.0.1:2479',
  '--tls-cert-file=a.crt',
  '--tls-private-key-file=a.key',
  '--client-ca-file',
  'ca.crt',
];

test('parseApiServerFlags reads the flags with defaults', () => {
  assert.deepEqual(parseApiServerFlags(required, {}), {
    etcdServers: ['http://127.0.0.1:2379', 'http://127.0.0.1:2479'],
    tlsCertFile: 'a.crt',
    tlsPrivateKeyFile: 'a.key',
    clientCaFile: 'ca.crt',
    bindAddress: '0.0.0.0',
    securePort: 6443,
    serviceClusterIpRange: '10.96.0.0/12',
    serviceNodePortRange: '30000-32767',
    maxRequestBytes: 3 * 1024 * 1024,
    etcdRequestTimeoutMs: 5000,
    watchBookmarkIntervalMs: 60_000,
    etcdCompactionIntervalMs: 300_000,
    logLevel: 'info',
    defaultNotReadyTolerationSeconds: 300,
    defaultUnreachableTolerationSeconds: 300,
    serviceAccountIssuer: 'https://kubernetes.default.svc.cluster.local',
    apiAudiences: [],
    auditLogMaxsize: 100,
    auditLogMaxbackup: 10,
    auditLogMaxage: 30,
    maxRequestsInflight: 400,
    maxMutatingRequestsInflight: 200,
  });
  const cfg = parseApiServerFlags([...required, '--secure-port=7443', '--max-request-bytes=1024', '--log-level=debug', '--token-auth-file=']);
  assert.deepEqual(cfg.etcdServers, ['http://127.0.0.1:2379', 'http://127.0.0.1:2479']);
  assert.equal(cfg.clientCaFile, 'ca.crt');
  assert.equal(cfg.securePort, 7443);
  assert.equal(cfg.maxRequestBytes, 1024);
  assert.equal(cfg.serviceClusterIpRange, '10.96.0.0/12');
  assert.equal(cfg.bindAddress, '0.0.0.0');
  assert.equal(cfg.logLevel, 'debug');
  assert.equal('tokenAuthFile' in cfg, false, 'an empty value leaves an optional file unset');
});

test('parseApiServerFlags rejects unknown, malformed and missing flags', () => {
  assert.throws(
    () => parseApiServerFlags([...required, '--insecure-port=8080']),
    (e: unknown) => e instanceof FlagError && /unknown flag: --insecure-port/.test(e.message) && /usage:/.test(e.message),
  );
  const bad: [string[], RegExp][] = [
    [[...required, '--secure-port=abc'], /--secure-port: want an integer from 1 to 65535, got "abc"/],
    [[...required, '--secure-port=70000'], /--secure-port: want an integer from 1 to 65535, got "70000"/],
    [[...required, '--service-node-port-range=30000'], /--service-node-port-range: want FROM-TO, got "30000"/],
    [['--tls-cert-file=a'], /--etcd-servers, --tls-private-key-file and --client-ca-file are required/],
    [[...required, '--etcd-servers=,'], /--etcd-servers is required/],
  ];
  for (const [argv, message] of bad)
    assert.throws(
      () => parseApiServerFlags(argv, {}),
      (e: Error) => e instanceof FlagError && message.test(e.message),
      argv.join(' '),
    );
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

test('parseApiServerFlags: $SKIFF_LOG_LEVEL is the default level and --log-level wins; unknown flags are usage errors', () => {
  assert.equal(parseApiServerFlags(required, { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'debug');
  assert.equal(parseApiServerFlags([...required, '--log-level=error'], { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'error');
  assert.throws(
    () => parseApiServerFlags([...required, '--no-such-flag=1'], {}),
    (e: Error) => e instanceof FlagError && /^unknown flag: --no-such-flag\nusage: apiserver /.test(e.message),
  );
});
