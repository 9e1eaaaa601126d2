import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkCIDR,
  checkConfigMapKey,
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkEnvVarName,
  checkLabelValue,
  checkPortName,
  checkQualifiedName,
  generateName,
  isIP,
  isIPv4,
  isIPv6,
} from './names.ts';

test('name checks: valid and invalid tables', () => {
  const cases: [(s: string) => string[], string, boolean][] = [
    [checkDns1123Label, 'web-1', true],
    [checkDns1123Label, '1web', true],
    [checkDns1123Label, 'web.1', false],
    [checkDns1123Label, '-web', false],
    [checkDns1123Label, 'Web', false],
    [checkDns1123Label, 'a'.repeat(64), false],
    [checkDns1123Subdomain, 'web.example.com', true],
    [checkDns1123Subdomain, 'web..com', false],
    [checkDns1123Subdomain, 'a'.repeat(254), false],
    [checkDns1035Label, 'web-1', true],
    [checkDns1035Label, '1web', false],
    [checkQualifiedName, 'app', true],
    [checkQualifiedName, 'app.kubernetes.io/name', true],
    [checkQualifiedName, 'My_Key.1', true],
    [checkQualifiedName, '/name', false],
    [checkQualifiedName, 'a/b/c', false],
    [checkQualifiedName, 'Example.com/x', false],
    [checkQualifiedName, 'x_', false],
    [checkLabelValue, '', true],
    [checkLabelValue, 'v1.2_3-x', true],
    [checkLabelValue, 'a b', false],
    [checkLabelValue, 'x'.repeat(64), false],
    [checkConfigMapKey, '.env', true],
    [checkConfigMapKey, '..', false],
    [checkConfigMapKey, 'a/b', false],
    [checkEnvVarName, 'MY_VAR.1-x', true],
    [checkEnvVarName, '1VAR', false],
    [checkPortName, 'http', true],
    [checkPortName, 'http-alt', true],
    [checkPortName, '8080', false],
    [checkPortName, 'http--x', false],
    [checkPortName, 'a-very-long-port-name', false],
    [checkCIDR, '10.244.0.0/16', true],
    [checkCIDR, 'fd00::/64', true],
    [checkCIDR, '10.244.0.0', false],
    [checkCIDR, '10.244.0.0/40', false],
  ];
  for (const [fn, input, ok] of cases) assert.equal(fn(input).length === 0, ok, `${fn.name}(${input.slice(0, 20)})`);
});

test('name checks: Kubernetes wording', () => {
  assert.deepEqual(checkDns1123Label('Web'), [
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.deepEqual(checkQualifiedName('a/b/c'), [
    "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
  ]);
  assert.deepEqual(checkDns1123Label('a'.repeat(64)).slice(0, 1), ['must be no more than 63 characters']);
});

test('IP checks', () => {
  const cases: [string, boolean, boolean][] = [
    ['10.0.0.1', true, false],
    ['256.0.0.1', false, false],
    ['01.0.0.1', false, false],
    ['::1', false, true],
    ['fe80::1:2', false, true],
    ['2001:db8::ffff', false, true],
    ['1:2:3:4:5:6:7:8', false, true],
    ['1:2:3:4:5:6:7', false, false],
    ['::ffff:10.0.0.1', false, true],
    ['1::2::3', false, false],
  ];
  for (const [ip, v4, v6] of cases) {
    assert.equal(isIPv4(ip), v4, ip);
    assert.equal(isIPv6(ip), v6, ip);
    assert.equal(isIP(ip), v4 || v6, ip);
  }
});

test('generateName: 5 chars from the safe alphabet, prefix capped at 58', () => {
  for (let i = 0; i < 50; i++) assert.match(generateName('web-'), /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  const long = generateName('a'.repeat(100));
  assert.equal(long.length, 63);
});
