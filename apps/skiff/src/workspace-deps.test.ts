import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findUndeclaredImports, importedPackages, packageOf } from './workspace-deps.ts';

it('names the package of a specifier; relative paths and builtins are none', () => {
  assert.equal(packageOf('yaml'), 'yaml');
  assert.equal(packageOf('@skiff/api'), '@skiff/api');
  assert.equal(packageOf('@kubernetes/client-node/dist/gen'), '@kubernetes/client-node');
  assert.equal(packageOf('jose/jwt/sign'), 'jose');
  for (const none of ['./x.ts', '../y.ts', '/abs.ts', 'node:fs', 'fs', 'fs/promises', '#internal']) assert.equal(packageOf(none), undefined, none);
});

it('finds static, type-only, multi-line, re-export, side-effect and dynamic imports, but not specifiers inside strings', () => {
  const source = [
    "import { parse } from 'yaml';",
    "import type { Pod } from '@skiff/api';",
    'import {',
    '  a,',
    '  b,',
    "} from 'dns-packet';",
    "export { x } from '@skiff/log';",
    "import 'reflect-metadata';",
    // Split so that this file's own source holds no dynamic import of ws (the repository check below reads it).
    'const ws = await imp' + "ort('ws');",
    "import { readFile } from 'node:fs/promises';",
    "import { helper } from './helper.ts';",
    "const text = \"from 'hello' and import 'world'\";",
    "  'line', \"from 'not-a-package'\",",
  ].join('\n');
  assert.deepEqual(importedPackages(source), ['@skiff/api', '@skiff/log', 'dns-packet', 'reflect-metadata', 'ws', 'yaml']);
});

it('reports each package a workspace imports without declaring it, with its first importer; its own name and declared ones pass', async () => {
  const root = await mkdtemp(join(tmpdir(), 'skiff-workspace-deps-'));
  const write = async (path: string, text: string) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  };
  try {
    await write('package.json', JSON.stringify({ workspaces: ['libs/*', 'test'] }));
    await write('libs/a/package.json', JSON.stringify({ name: '@x/a', dependencies: { yaml: '^2' }, devDependencies: { ws: '^8' } }));
    await write('libs/a/src/a.ts', "import { parse } from 'yaml';\nimport { WebSocket } from 'ws';\nimport { self } from '@x/a';\n");
    await write('libs/a/src/testdata/data.ts', "import x from 'not-code';\n");
    await write('test/package.json', JSON.stringify({ name: '@x/test' }));
    await write('test/b.test.ts', "import { a } from '@x/a';\nimport { parse } from 'yaml';\n");
    await write('test/a.test.ts', "import { parse } from 'yaml';\n");
    // `dns-packet` ships no types and the install has @types/dns-packet: a workspace importing it needs both.
    await write('node_modules/dns-packet/package.json', JSON.stringify({ name: 'dns-packet', main: 'index.js' }));
    await write('node_modules/@types/dns-packet/package.json', JSON.stringify({ name: '@types/dns-packet', types: 'index.d.ts' }));
    await write('libs/b/package.json', JSON.stringify({ name: '@x/b', dependencies: { 'dns-packet': '^5' } }));
    await write('libs/b/src/b.ts', "import packet from 'dns-packet';\n");
    assert.deepEqual(await findUndeclaredImports(root), [
      { workspace: 'libs/b', packageName: '@types/dns-packet', file: 'libs/b/src/b.ts' },
      { workspace: 'test', packageName: '@x/a', file: 'test/b.test.ts' },
      { workspace: 'test', packageName: 'yaml', file: 'test/a.test.ts' },
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

it('the repository itself: every workspace declares what it imports', async () => {
  assert.deepEqual(await findUndeclaredImports(), []);
});
