import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.ts';
import { parseDeleteOptions, parseListQuery, parseQueryBool, parseWatchQuery, parseWriteOptions } from './query.ts';

const user = { username: 'tester', groups: [] };
const params = (query: string): URLSearchParams => new URLSearchParams(query);

/** The code and message of what `fn` throws. */
function refusal(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return { code: err.code, message: err.message };
  }
  assert.fail('expected an ApiError');
}

test('query booleans read as apimachinery reads them: only "0" and any-case "false" are false', () => {
  const cases: [string | null, boolean | undefined][] = [
    [null, undefined],
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['t', true],
    ['1', true],
    ['', true],
    ['yes', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    ['0', false],
  ];
  for (const [raw, want] of cases) assert.equal(parseQueryBool(raw), want, `${raw}`);
  assert.deepEqual(parseWatchQuery(params('allowWatchBookmarks=True')), { allowWatchBookmarks: true });
  assert.equal(parseWriteOptions(params('force=True'), user).force, true);
  assert.equal(parseDeleteOptions(params('orphanDependents=True'), undefined).propagationPolicy, 'Orphan');
});

test('query integers follow strconv.ParseInt: a sign is allowed, anything else is a 400 in its words', () => {
  // '+' in a query is a space (Go's url.ParseQuery agrees); a plus sign arrives as %2B.
  assert.equal(parseListQuery(params('limit=%2B5')).limit, 5);
  assert.equal(parseWatchQuery(params('timeoutSeconds=-0')).timeoutSeconds, 0);
  // A negative limit is no limit, as in kube's storage.
  assert.equal(parseListQuery(params('limit=-1')).limit, undefined);
  assert.deepEqual(
    refusal(() => parseListQuery(params('limit=abc'))),
    { code: 400, message: 'strconv.ParseInt: parsing "abc": invalid syntax' },
  );
  assert.deepEqual(
    refusal(() => parseListQuery(params('limit='))),
    { code: 400, message: 'strconv.ParseInt: parsing "": invalid syntax' },
  );
  assert.deepEqual(
    refusal(() => parseListQuery(params('limit=1_000'))),
    { code: 400, message: 'strconv.ParseInt: parsing "1_000": invalid syntax' },
  );
  assert.deepEqual(
    refusal(() => parseWatchQuery(params('timeoutSeconds=99999999999999999999'))),
    { code: 400, message: 'strconv.ParseInt: parsing "99999999999999999999": value out of range' },
  );
});

test('list options are validated as ValidateListOptions does, as 422 on ListOptions', () => {
  assert.deepEqual(parseListQuery(params('resourceVersion=5&resourceVersionMatch=NotOlderThan')), {
    resourceVersion: '5',
    resourceVersionMatch: 'NotOlderThan',
  });
  const cases: [string, string][] = [
    [
      'resourceVersionMatch=Exact',
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    ],
    [
      'resourceVersion=1&resourceVersionMatch=Newest',
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
    ],
    [
      'resourceVersion=0&resourceVersionMatch=Exact',
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    ],
    ['sendInitialEvents=true', 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
  ];
  for (const [query, message] of cases)
    assert.deepEqual(
      refusal(() => parseListQuery(params(query))),
      { code: 422, message },
      query,
    );
});

test('watch options: resourceVersionMatch only with sendInitialEvents, and streaming lists refused clearly', () => {
  assert.deepEqual(
    refusal(() => parseWatchQuery(params('resourceVersionMatch=NotOlderThan'))),
    {
      code: 422,
      message:
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    },
  );
  const streaming = refusal(() => parseWatchQuery(params('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true')));
  assert.equal(streaming.code, 422);
  assert.match(streaming.message, /sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled/);
  assert.match(
    refusal(() => parseWatchQuery(params('sendInitialEvents=true'))).message,
    /sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/,
  );
});

test('delete options: a negative grace period is one second, a policy is known and spelt once', () => {
  assert.equal(parseDeleteOptions(params('gracePeriodSeconds=-5'), undefined).gracePeriodSeconds, 1);
  assert.equal(parseDeleteOptions(params(''), { gracePeriodSeconds: -1 }).gracePeriodSeconds, 1);
  assert.deepEqual(
    refusal(() => parseDeleteOptions(params('propagationPolicy=Later'), undefined)),
    {
      code: 422,
      message:
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Later": supported values: "Foreground", "Background", "Orphan", "nil"',
    },
  );
  assert.equal(refusal(() => parseDeleteOptions(params('orphanDependents=false'), { propagationPolicy: 'Background' })).code, 422);
});
