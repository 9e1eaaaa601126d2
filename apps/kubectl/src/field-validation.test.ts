import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldValidationOf } from './field-validation.ts';

test('--validate maps to fieldValidation as kubectl does, strict by default', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'Strict'],
    ['true', 'Strict'],
    ['strict', 'Strict'],
    ['Strict', 'Strict'],
    ['warn', 'Warn'],
    ['false', 'Ignore'],
    ['ignore', 'Ignore'],
  ];
  for (const [flag, want] of cases) assert.equal(fieldValidationOf(flag), want, `--validate=${flag}`);
  assert.throws(() => fieldValidationOf('maybe'), /invalid - validate option "maybe"/);
});
