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

test('evaluateCel throws CelError on evaluation errors and on compile errors', () => {
  assert.throws(() => evaluateCel('self.x', { self: {} }), (e: Error) => e instanceof CelError && /x/.test(e.message));
  assert.throws(() => evaluateCel('1 / self', { self: 0 }), (e: Error) => e instanceof CelError && /division by zero/.test(e.message));
  assert.throws(() => evaluateCel('self +', { self: 1 }), (e: Error) => e instanceof CelError && /compilation failed/.test(e.message));
  assert.throws(() => evaluateCel('[].max()', {}), CelError);
});
