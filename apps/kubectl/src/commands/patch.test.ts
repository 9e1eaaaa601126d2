import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatchLocally, parsePatch, patchTypeOf } from './patch.ts';

const deployments = { kind: 'Deployment', group: 'apps', version: 'v1' } as Parameters<typeof applyPatchLocally>[3];

test('--type: strategic by default, any case, kubectl words otherwise', () => {
  assert.equal(patchTypeOf(undefined), 'strategic');
  assert.equal(patchTypeOf('JSON'), 'json');
  assert.throws(() => patchTypeOf('apply'), /^CliError: --type must be one of \[json merge strategic\], not "apply"$/);
});

test('patches are JSON or YAML', () => {
  assert.deepEqual(parsePatch('{"spec":{"replicas":2}}'), { spec: { replicas: 2 } });
  assert.deepEqual(parsePatch('spec:\n  replicas: 2'), { spec: { replicas: 2 } });
  assert.throws(() => parsePatch('spec: ['), /^CliError: unable to parse "spec: \[": /);
});

test('--dry-run=client applies each patch type locally', () => {
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      template: {
        spec: {
          containers: [
            { name: 'a', image: 'x:1' },
            { name: 'b', image: 'y:1' },
          ],
        },
      },
    },
  };
  const strategic = applyPatchLocally(
    dep,
    'strategic',
    { spec: { template: { spec: { containers: [{ name: 'b', image: 'y:2' }] } } } },
    deployments,
  ) as typeof dep;
  assert.deepEqual(strategic.spec.template.spec.containers, [
    { name: 'a', image: 'x:1' },
    { name: 'b', image: 'y:2' },
  ]);
  const merge = applyPatchLocally(dep, 'merge', { spec: { replicas: 3 } }, deployments) as typeof dep;
  assert.equal(merge.spec.replicas, 3);
  const json = applyPatchLocally(dep, 'json', [{ op: 'replace', path: '/spec/replicas', value: 4 }], deployments) as typeof dep;
  assert.equal(json.spec.replicas, 4);
  assert.throws(() => applyPatchLocally(dep, 'json', [{ op: 'test', path: '/spec/replicas', value: 9 }], deployments), /test/);
  const crd = { kind: 'CronTab', group: 'stable.example.com', version: 'v1' } as Parameters<typeof applyPatchLocally>[3];
  assert.throws(
    () => applyPatchLocally(dep, 'strategic', {}, crd),
    /^CliError: strategic merge patch is not supported for stable.example.com\/v1, Kind=CronTab locally, try --type merge$/,
  );
});
