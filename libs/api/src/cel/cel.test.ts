import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CelError, compileCel, evaluateCel } from './cel.ts';

test('compileCel accepts valid expressions and explains invalid ones', () => {
  assert.deepEqual(compileCel('self.minReplicas <= self.maxReplicas', { variables: ['self'] }), {});
  assert.match(compileCel('self.x +', { variables: ['self'] }).error ?? '', /^ERROR: <input>:1:\d+: /);
  assert.match(compileCel('selff.x > 1', { variables: ['self'] }).error ?? '', /selff/);
  assert.match(compileCel('1 + "a"').error ?? '', /no such overload/);
  // Without declared variables any identifier is accepted (looked up when evaluated).
  assert.deepEqual(compileCel('object.spec.replicas > 1'), {});
});

test('evaluateCel: JSON integers are CEL ints, results come back as JSON', () => {
  const cases: [string, Record<string, unknown>, unknown][] = [
    ['self.replicas + 1', { self: { replicas: 2 } }, 3],
    ['self.ratio * 2.0', { self: { ratio: 1.5 } }, 3],
    ['has(self.spec) && self.spec.size() == 0', { self: { spec: {} } }, true],
    ['self.items.all(i, i.name.startsWith("a"))', { self: { items: [{ name: 'ab' }, { name: 'ac' }] } }, true],
    ['self.items.exists(i, i.name == "b")', { self: { items: [{ name: 'ab' }] } }, false],
    ['self.items.map(i, i.port).filter(p, p > 80)', { self: { items: [{ port: 80 }, { port: 443 }] } }, [443]],
    ['self.?missing.orValue("dflt")', { self: {} }, 'dflt'],
    ['{"a": self}', { self: 1 }, { a: 1 }],
    ['self == oldSelf', { self: 'x', oldSelf: 'x' }, true],
    ['self.matches("^[a-z]+$")', { self: 'abc' }, true],
    ['[3, 1, 2].max() == 3 && [3, 1, 2].min() == 1 && [1, 2].sum() == 3', {}, true],
    ['[1, 2, 3].isSorted() && !["b", "a"].isSorted()', {}, true],
    ['["a", "b"].indexOf("b")', {}, 1],
    ['"abc123".find("[0-9]+")', {}, '123'],
    ['"a1b2".findAll("[0-9]")', {}, ['1', '2']],
    ['quantity(self.a).isLessThan(quantity("1")) && quantity("1Ki").compareTo(quantity("1024")) == 0', { self: { a: '500m' } }, true],
    ['quantity("1.5").add(quantity("500m")).asInteger() + quantity("2Gi").sub(1).sign()', {}, 3],
    ['isQuantity("10Mi") && !isQuantity("ten") && quantity("1").isInteger() && !quantity("1m").isInteger()', {}, true],
    ['quantity("250m").asApproximateFloat()', {}, 0.25],
    ['"hello".charAt(1) + "x".reverse() + "a-b".replace("-", "_")', {}, 'ex' + 'a_b'],
  ];
  for (const [expr, vars, want] of cases) assert.deepEqual(evaluateCel(expr, vars), want, expr);
});

test('Kubernetes IP, CIDR, URL and format libraries', () => {
  const cases: [string, unknown][] = [
    ['isIP("1.2.3.4") && isIP("::1") && !isIP("1.2.3") && !isIP("::ffff:1.2.3.4") && !isIP("fe80::1%eth0")', true],
    ['[ip("10.0.0.1").family(), ip("2001:db8::1").family()]', [4, 6]],
    [
      'string(ip("2001:DB8:0:0:0:0:0:1")) + " " + string(ip("1:0:0:1:0:0:0:1")) + " " + string(ip("64:ff9b::10.0.0.1"))',
      '2001:db8::1 1:0:0:1::1 64:ff9b::a00:1',
    ],
    ['ip("127.0.0.2").isLoopback() && ip("::1").isLoopback() && ip("0.0.0.0").isUnspecified()', true],
    [
      'ip("8.8.8.8").isGlobalUnicast() && !ip("fe80::1").isGlobalUnicast() && ip("fe80::1").isLinkLocalUnicast() && ip("224.0.0.1").isLinkLocalMulticast()',
      true,
    ],
    ['cidr("10.0.0.0/8").containsIP("10.1.2.3") && !cidr("10.0.0.0/8").containsIP(ip("11.0.0.1")) && !cidr("10.0.0.0/8").containsIP("::1")', true],
    ['cidr("10.0.0.0/8").containsCIDR("10.1.0.0/16") && !cidr("10.1.0.0/16").containsCIDR(cidr("10.0.0.0/8"))', true],
    ['[string(cidr("10.1.2.3/8").masked()), string(cidr("10.1.2.3/8").ip()), string(cidr("2001:db8::/32"))]', ['10.0.0.0/8', '10.1.2.3', '2001:db8::/32']],
    ['cidr("2001:db8::/32").prefixLength() == 32 && cidr("2001:db8::/32").containsIP("2001:db8:1::5") && isCIDR("::/0") && !isCIDR("10.0.0.0/33")', true],
    ['ip("1.2.3.4") == ip("1.2.3.4") && cidr("10.0.0.0/8") != cidr("10.0.0.0/9")', true],
    ['isURL("https://example.com/p?k=v") && isURL("/a/b") && !isURL("a/b") && !isURL("https://a b")', true],
    [
      '[url("https://u@Example.com:8080/a/../b").getHost(), url("https://[::1]:80/x").getHostname(), url("https://[::1]:80/x").getPort(), url("https://e.com/a/../b").getEscapedPath(), url("mailto:a@b").getScheme()]',
      ['Example.com:8080', '::1', '80', '/a/../b', 'mailto'],
    ],
    ['url("/p?k=v&k=w&x=1").getQuery()', { k: ['v', 'w'], x: ['1'] }],
    ['!format.dns1123Label().validate("ab").hasValue() && format.dns1123LabelPrefix().validate("my-").hasValue() == false', true],
    ['format.named("labelValue").value().validate("-x").value().size() == 1 && !format.named("nope").hasValue()', true],
    ['format.uuid().validate("nope").value()', ['does not match the UUID format']],
    ['format.dns1123Label().validate("a_b").value()[0].startsWith("a lowercase RFC 1123 label must consist of")', true],
  ];
  for (const [expr, want] of cases) assert.deepEqual(evaluateCel(expr, {}), want, expr);
  assert.throws(() => evaluateCel('ip("nope")', {}), /^CelError: IP Address "nope" parse error during conversion from string/);
  assert.throws(() => evaluateCel('url("a b")', {}), /URL parse error during conversion from string/);
});

test('evaluateCel throws CelError on evaluation errors and on compile errors', () => {
  assert.throws(
    () => evaluateCel('self.x', { self: {} }),
    (e: Error) => e instanceof CelError && /x/.test(e.message),
  );
  assert.throws(
    () => evaluateCel('1 / self', { self: 0 }),
    (e: Error) => e instanceof CelError && /division by zero/.test(e.message),
  );
  assert.throws(
    () => evaluateCel('self +', { self: 1 }),
    (e: Error) => e instanceof CelError && /compilation failed/.test(e.message),
  );
  assert.throws(() => evaluateCel('[].max()', {}), CelError);
});
