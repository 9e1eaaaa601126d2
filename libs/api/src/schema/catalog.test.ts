import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeModel, getModel, hasModel } from './model-catalog.ts';

const childEnv = () => {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // under `node --test`, a child is a plain script, not a test file
  return env;
};

test('the committed catalog is what the generator writes from the installed client-node', () => {
  const script = fileURLToPath(new URL('../../scripts/build-schemas.ts', import.meta.url));
  const result = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8', env: childEnv() });
  assert.equal(result.status, 0, `${result.stderr}\nregenerate with: node libs/api/scripts/build-schemas.ts --write`);
});

test("the catalog carries client-node's models: fields, types, required and descriptions", () => {
  assert.ok(hasModel('V1Pod') && hasModel('CoreV1Event') && !hasModel('V1NoSuchThing') && !hasModel('constructor'));
  const container = getModel('V1Container')!;
  assert.match(describeModel('V1Container').description ?? '', /container/);
  assert.deepEqual(container.fields.get('name')?.required, true);
  assert.deepEqual(container.fields.get('image')?.required, false);
  assert.deepEqual(container.fields.get('ports')?.type, { kind: 'array', items: { kind: 'model', name: 'V1ContainerPort' } });
  assert.match(describeModel('V1Container').fields.args ?? '', /entrypoint/);
  assert.deepEqual(getModel('V1ObjectMeta')?.fields.get('labels')?.type, { kind: 'map', values: { kind: 'string' } });
  assert.deepEqual(getModel('V1ObjectMeta')?.fields.get('creationTimestamp')?.type, { kind: 'time', micro: false });
  assert.deepEqual(describeModel('V1NoSuchThing'), { description: undefined, fields: {} });
});

test('@skiff/api loads no client-node code, and descriptions only for OpenAPI documents', () => {
  const script = `
    import { registerHooks, syncBuiltinESMExports } from 'node:module';
    import * as fs from 'node:fs';
    const loaded = [];
    registerHooks({ resolve: (specifier, context, next) => { const r = next(specifier, context); loaded.push(r.url); return r; } });
    const read = [];
    const readFileSync = fs.readFileSync;
    fs.default.readFileSync = (path, ...rest) => { read.push(String(path)); return readFileSync(path, ...rest); };
    syncBuiltinESMExports(); // so catalog-file.ts's named import sees the counting one
    const api = await import(${JSON.stringify(new URL('../index.ts', import.meta.url).href)});
    const atImport = read.filter((p) => p.includes('generated')).length;
    api.findUnknownFields('v1', 'Pod', { spec: { containers: [{ name: 'c' }] } });
    const afterDecode = read.filter((p) => p.includes('generated')).map((p) => p.split('/').pop());
    api.openApiDefinitions();
    console.log(JSON.stringify({
      clientNode: loaded.filter((url) => url.includes('client-node/dist')).length,
      atImport, afterDecode,
      afterOpenApi: read.filter((p) => p.includes('generated')).map((p) => p.split('/').pop()),
    }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: childEnv() });
  assert.deepEqual(JSON.parse(out), {
    clientNode: 0,
    atImport: 0,
    afterDecode: ['kubernetes-models.json'],
    afterOpenApi: ['kubernetes-models.json', 'kubernetes-descriptions.json'],
  });
});
