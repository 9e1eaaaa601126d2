import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromLabelSelector, parseLabelSelector, selectorFromSet, selectorToString } from './label-selector.ts';
import { SelectorError } from './selector-error.ts';

test('parseLabelSelector: matching table', () => {
  const labels = { app: 'web', tier: 'front', version: '3' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['app in (web,api)', true],
    ['app in (api)', false],
    ['app notin (api)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['  app = web , tier in ( front ) ', true],
    ['version>2', true],
    ['version<2', false],
    ['app>2', false],
    ['x in (in)', false],
    ['app=', false],
    ['missing=', false],
    ['app in (web,)', true],
  ];
  for (const [selector, want] of cases) {
    assert.equal(parseLabelSelector(selector).matches(labels), want, selector);
  }
  assert.equal(parseLabelSelector('app').matches(undefined), false);
  assert.equal(parseLabelSelector('').matches(undefined), true);
});

test('parseLabelSelector: Kubernetes error messages', () => {
  const cases: [string, string | RegExp][] = [
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['===', "found '==', expected: !, identifier, or 'end of string'"],
    ['a=b,', "found '', expected: identifier after ','"],
    ['a=b,=', "found '=', expected: identifier after ','"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['!!', "unable to parse requirement: found '!', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['a b', "unable to parse requirement: found 'b', expected: '=', '!=', '==', 'in', notin'"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['a=b c d', "found 'c', expected: ',' or 'end of string'"],
    ['Bad Key=x', /unable to parse requirement: found 'Key'/],
    ['a=b/c', /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "b\/c": a valid label must be/],
    ['-a=b', /^unable to parse requirement: key: Invalid value: "-a": name part must consist/],
    ['a>b', /the value must be an integer/],
  ];
  for (const [selector, message] of cases) {
    assert.throws(
      () => parseLabelSelector(selector),
      (err: Error) => {
        assert.ok(err instanceof SelectorError, selector);
        if (typeof message === 'string') assert.equal(err.message, message, selector);
        else assert.match(err.message, message, selector);
        return true;
      },
    );
  }
});

test('selectors print sorted and canonical', () => {
  assert.equal(parseLabelSelector('b in (y,x),a=1,!c,d').toString(), 'a=1,b in (x,y),!c,d');
  assert.equal(selectorFromSet({ tier: 'front', app: 'web' }).toString(), 'app=web,tier=front');
  assert.equal(
    selectorToString({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }),
    'app=web,env notin (prod)',
  );
});

test('fromLabelSelector: structured selectors', () => {
  const cases: [Parameters<typeof fromLabelSelector>[0], Record<string, string>, boolean][] = [
    [undefined, { app: 'web' }, false],
    [{}, { app: 'web' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'web', x: 'y' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'api' }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'web'] }] }, { app: 'web' }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, { app: 'web' }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, { app: 'web' }, false],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, { app: 'web' }, true],
  ];
  for (const [spec, labels, want] of cases) {
    assert.equal(fromLabelSelector(spec).matches(labels), want, JSON.stringify(spec));
  }
  assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Foo', values: [] }] }), {
    message: '"Foo" is not a valid label selector operator',
  });
  assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), /values set can't be empty/);
});
