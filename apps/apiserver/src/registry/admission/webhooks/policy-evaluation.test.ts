import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicy } from './policy-evaluation.ts';

const object = { metadata: { name: 'web', labels: { team: 'a' } }, spec: { replicas: 5 } };
const vars = { object, oldObject: null, request: { operation: 'CREATE' }, params: { maxReplicas: 3 }, namespaceObject: null };

describe('evaluatePolicy', () => {
  it('true passes; false fails with the message, messageExpression or the expression', () => {
    const failures = evaluatePolicy(
      {
        validations: [
          { expression: "object.metadata.name == 'web'" },
          { expression: 'object.spec.replicas <= params.maxReplicas', messageExpression: "'at most ' + string(params.maxReplicas) + ' replicas'" },
          { expression: 'has(object.metadata.labels.owner)', message: 'an owner label is required', reason: 'Forbidden' },
          { expression: "request.operation == 'DELETE'" },
        ],
      },
      vars,
    );
    assert.deepEqual(failures, [
      { message: 'at most 3 replicas', reason: 'Invalid' },
      { message: 'an owner label is required', reason: 'Forbidden' },
      { message: "failed expression: request.operation == 'DELETE'", reason: 'Invalid' },
    ]);
  });

  it('variables are computed first and seen by validations', () => {
    const spec = {
      variables: [{ name: 'tooMany', expression: 'object.spec.replicas > params.maxReplicas' }],
      validations: [{ expression: '!variables.tooMany' }],
    };
    assert.equal(evaluatePolicy(spec, vars).length, 1);
    assert.equal(evaluatePolicy(spec, { ...vars, params: { maxReplicas: 10 } }).length, 0);
  });

  it('an expression error fails under Fail and is skipped under Ignore', () => {
    const validations = [{ expression: 'object.spec.missing > 1' }];
    assert.match(evaluatePolicy({ validations }, vars)[0]!.message, /^expression 'object.spec.missing > 1' resulted in error: /);
    assert.deepEqual(evaluatePolicy({ validations, failurePolicy: 'Ignore' }, vars), []);
  });
});
