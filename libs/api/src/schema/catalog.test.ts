import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogKey, loadCatalog, readCatalogFile } from './catalog-file.ts';
import { getModel, hasModel } from './model-catalog.ts';

test('the catalog carries client-node\'s models: fields, types, required and descriptions', () => {
  const catalog = loadCatalog();
  assert.equal(catalog.key, catalogKey());
  assert.deepEqual(readCatalogFile()?.key, catalog.key, 'loadCatalog leaves the artifact for the next process');
  assert.ok(hasModel('V1Pod') && hasModel('CoreV1Event') && !hasModel('V1NoSuchThing') && !hasModel('constructor'));
  const container = getModel('V1Container')!;
  assert.match(container.description ?? '', /container/);
  assert.deepEqual(container.fields.get('name')?.required, true);
  assert.deepEqual(container.fields.get('image')?.required, false);
  assert.deepEqual(container.fields.get('ports')?.type, { kind: 'array', items: { kind: 'model', name: 'V1ContainerPort' } });
  assert.match(container.fields.get('args')?.description ?? '', /entrypoint/);
  assert.deepEqual(getModel('V1ObjectMeta')?.fields.get('labels')?.type, { kind: 'map', values: { kind: 'string' } });
  assert.deepEqual(getModel('V1ObjectMeta')?.fields.get('creationTimestamp')?.type, { kind: 'time', micro: false });
});

test('a stale, torn or missing artifact is not trusted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-catalog-'));
  try {
    const path = join(dir, 'kubernetes-models.json');
    assert.equal(readCatalogFile(catalogKey(), path), undefined);
    writeFileSync(path, JSON.stringify({ key: 'from-an-older-client-node', clientNodeVersion: '1.0.0', models: {} }));
    assert.equal(readCatalogFile(catalogKey(), path), undefined);
    writeFileSync(path, '{"key":');
    assert.equal(readCatalogFile(catalogKey(), path), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('importing @skiff/api, even decoding with its schemas, never loads client-node code', () => {
  loadCatalog(); // the artifact exists, as after bootstrap
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ resolve: (specifier, context, next) => { const r = next(specifier, context); loaded.push(r.url); return r; } });
    const api = await import(${JSON.stringify(new URL('../index.ts', import.meta.url).href)});
    const before = loaded.filter((url) => url.includes('client-node/dist')).length;
    api.findUnknownFields('v1', 'Pod', { spec: { containers: [{ name: 'c' }] } });
    api.openApiDefinitions();
    console.log(JSON.stringify({ before, after: loaded.filter((url) => url.includes('client-node/dist')).length }));
  `;
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
  assert.deepEqual(JSON.parse(out), { before: 0, after: 0 });
});
