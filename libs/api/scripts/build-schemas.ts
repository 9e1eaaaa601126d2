/**
 * Generates the committed schema catalog, libs/api/src/schema/generated/ (see
 * libs/api/src/schema/catalog-file.ts), from @kubernetes/client-node's models.
 *
 *   node libs/api/scripts/build-schemas.ts --write    regenerate the files (after upgrading client-node)
 *   node libs/api/scripts/build-schemas.ts --check    exit 1 when the committed files are stale
 *
 * Without a flag it only says so and exits 0: bootstrap once ran it to build a cache,
 * and nothing needs building any more.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { descriptionsPath, modelsPath, renderCatalogFiles } from '../src/schema/catalog-file.ts';

const args = new Set(process.argv.slice(2));
if (!args.has('--write') && !args.has('--check')) {
  console.log('the schema catalog is committed (libs/api/src/schema/generated/); --write regenerates it, --check compares');
  process.exit(0);
}
const { buildCatalog } = await import('../src/schema/catalog-build.ts');
const files = renderCatalogFiles(await buildCatalog());
const targets: [string, string][] = [
  [modelsPath, files.models],
  [descriptionsPath, files.descriptions],
];
if (args.has('--write')) {
  for (const [path, text] of targets) writeFileSync(path, text);
} else {
  const stale = targets.filter(([path, text]) => readText(path) !== text).map(([path]) => path);
  if (stale.length > 0) {
    console.error(`stale: ${stale.join(', ')}; run node libs/api/scripts/build-schemas.ts --write`);
    process.exit(1);
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
