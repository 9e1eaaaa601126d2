import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateMatchConditions } from './match-conditions.ts';

const VARIABLES = ['object', 'oldObject', 'request'];
const vars = { object: { metadata: { name: 'web' } }, oldObject: null, request: { operation: 'CREATE' } };
const cond = (expression: string, name = expression) => ({ name, expression });

describe('evaluateMatchConditions (upstream matchconditions matcher)', () => {
  it('all true matches; none matches too', () => {
    assert.deepEqual(evaluateMatchConditions([cond("request.operation == 'CREATE'"), cond("object.metadata.name == 'web'")], vars, VARIABLES, 'Fail'), {
      matches: true,
    });
    assert.deepEqual(evaluateMatchConditions(undefined, vars, VARIABLES, 'Fail'), { matches: true });
  });

  it('one false is a non-match, even next to an error', () => {
    assert.deepEqual(evaluateMatchConditions([cond('object.spec.missing'), cond("request.operation == 'DELETE'")], vars, VARIABLES, 'Fail'), {
      matches: false,
    });
  });

  it('an error with no false: Fail answers the error, Ignore a non-match', () => {
    const failed = evaluateMatchConditions([cond('true'), cond('object.spec.missing == 1')], vars, VARIABLES, 'Fail');
    assert.equal(failed.matches, false);
    assert.match(failed.error ?? '', /^expression 'object.spec.missing == 1' resulted in error: /);
    assert.deepEqual(evaluateMatchConditions([cond('object.spec.missing == 1')], vars, VARIABLES, 'Ignore'), { matches: false });
  });

  it('a result that is not a bool is an error; several errors are listed in brackets', () => {
    const result = evaluateMatchConditions([cond("'yes'"), cond('object.spec.x')], vars, VARIABLES, undefined);
    assert.match(result.error ?? '', /^\[expression ''yes'' resulted in error: must evaluate to bool, expression 'object.spec.x' resulted in error: .+\]$/);
  });
});
