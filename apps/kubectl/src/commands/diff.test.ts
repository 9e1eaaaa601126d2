import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffCommand, diffFileName, maskSecrets } from './diff.ts';

describe('diff', () => {
  it('names files as kubectl does', () => {
    assert.equal(diffFileName({ group: 'apps', version: 'v1', kind: 'Deployment' }, 'default', 'web'), 'apps.v1.Deployment.default.web');
    assert.equal(diffFileName({ group: '', version: 'v1', kind: 'Namespace' }, '', 'prod'), 'v1.Namespace..prod');
  });

  it('runs diff -u -N, or KUBECTL_EXTERNAL_DIFF with its safe words after the dirs', () => {
    assert.deepEqual(diffCommand({}, 'L', 'M'), ['diff', ['-u', '-N', 'L', 'M']]);
    assert.deepEqual(diffCommand({ KUBECTL_EXTERNAL_DIFF: 'colordiff -N -u $(rm) --x=1' }, 'L', 'M'), ['colordiff', ['L', 'M', '-N', '-u', '--x=1']]);
  });

  it('masks Secret data, marking values that change', () => {
    const [from, to] = maskSecrets(
      { kind: 'Secret', data: { a: 'eA==', b: 'eQ==' } } as never,
      { kind: 'Secret', data: { a: 'eA==', b: 'eg==', c: 'dw==' } } as never,
    );
    assert.deepEqual((from as { data: unknown }).data, { a: '***', b: '*** (before)' });
    assert.deepEqual((to as { data: unknown }).data, { a: '***', b: '*** (after)', c: '***' });
  });
});
