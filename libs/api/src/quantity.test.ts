import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, QUANTITY_FORMAT_ERROR, QUANTITY_SUFFIX_ERROR } from './quantity.ts';

test('parseQuantity: canonical strings match Kubernetes', () => {
  const cases: [string, string][] = [
    ['0', '0'],
    ['0Mi', '0'],
    ['1', '1'],
    ['100m', '100m'],
    ['0.1', '100m'],
    ['.5', '500m'],
    ['1.5', '1500m'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1000m', '1'],
    ['1k', '1k'],
    ['2000k', '2M'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    ['1024', '1024'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['1E', '1E'],
    ['-1', '-1'],
    ['-100m', '-100m'],
    ['+5', '5'],
    ['1n', '1n'],
    ['0.0000000001', '1n'],
    ['123456789n', '123456789n'],
    ['1u', '1u'],
    ['12Ti', '12Ti'],
  ];
  for (const [input, want] of cases) {
    assert.equal(parseQuantity(input).toString(), want, input);
  }
});

test('parseQuantity: rejects malformed input with Kubernetes messages', () => {
  const cases: [string, string][] = [
    ['abc', QUANTITY_FORMAT_ERROR],
    ['1 Gi', QUANTITY_FORMAT_ERROR],
    ['--1', QUANTITY_FORMAT_ERROR],
    ['.', QUANTITY_FORMAT_ERROR],
    ['1Gb', QUANTITY_FORMAT_ERROR],
    ['1K', QUANTITY_SUFFIX_ERROR],
    ['1mi', QUANTITY_SUFFIX_ERROR],
    ['1ee', QUANTITY_SUFFIX_ERROR],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseQuantity(input), { message }, input);
  }
});

test('Quantity: milli and integer values round up', () => {
  const cases: [string, number, number][] = [
    ['100m', 100, 1],
    ['1', 1000, 1],
    ['1.5', 1500, 2],
    ['1n', 1, 1],
    ['1Ki', 1024000, 1024],
    ['2Gi', 2147483648000, 2147483648],
    ['250m', 250, 1],
  ];
  for (const [input, milli, whole] of cases) {
    const q = parseQuantity(input);
    assert.equal(q.toMilli(), milli, input);
    assert.equal(q.toInteger(), whole, input);
  }
  assert.equal(parseQuantity('1.5Gi').toNumber(), 1610612736);
  assert.equal(parseQuantity(0.25).toString(), '250m');
});

test('Quantity: compares across formats', () => {
  assert.equal(parseQuantity('1Gi').cmp(parseQuantity('1073741824')), 0);
  assert.equal(parseQuantity('500m').cmp(parseQuantity('1')), -1);
  assert.equal(parseQuantity('1G').cmp(parseQuantity('1Gi')), -1);
  assert.equal(parseQuantity('2').cmp(parseQuantity('1500m')), 1);
  assert.equal(parseQuantity('1').add(parseQuantity('500m')).toString(), '1500m');
});
