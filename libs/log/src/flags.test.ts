import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBooleanFlag, parseIntegerFlag, splitFlags } from './flags.ts';

const fail = (m: string): Error => new Error(m);

test('splitFlags reads --name=value and bare --name, and refuses anything else', () => {
  assert.deepEqual(splitFlags(['--a=1', '--b', '--c='], fail), [['a', '1'], ['b', ''], ['c', '']]);
  assert.throws(() => splitFlags(['positional'], fail), /unexpected argument "positional"/);
  assert.throws(() => splitFlags(['-x'], fail), /unexpected argument "-x"/);
});

test('parseIntegerFlag checks bounds and says which', () => {
  const table: [string, number, number | undefined, number | RegExp][] = [
    ['5', 0, 10, 5], ['0', 0, undefined, 0], ['11', 0, 10, /from 0 to 10, got "11"/],
    ['1', 2, undefined, /≥ 2, got "1"/], ['-1', 0, 10, /got "-1"/], ['1.5', 0, 10, /got "1.5"/], ['', 0, 10, /got ""/],
  ];
  for (const [value, min, max, want] of table) {
    if (typeof want === 'number') assert.equal(parseIntegerFlag('n', value, fail, min, max), want);
    else assert.throws(() => parseIntegerFlag('n', value, fail, min, max), want);
  }
});

test('parseBooleanFlag: true, false, bare; nothing else', () => {
  assert.equal(parseBooleanFlag('b', 'true', fail), true);
  assert.equal(parseBooleanFlag('b', '', fail), true);
  assert.equal(parseBooleanFlag('b', 'false', fail), false);
  assert.throws(() => parseBooleanFlag('b', 'maybe', fail), /--b: want true or false, got "maybe"/);
});
