/**
 * Builds libs/api/dist/kubernetes-models.json, the schema catalog the apiserver reads
 * (see libs/api/src/schema/catalog-file.ts), from @kubernetes/client-node's models.
 *
 *   node libs/api/scripts/build-schemas.ts            build it unless the current one is there
 *   node libs/api/scripts/build-schemas.ts --force    build it anyway
 *   node libs/api/scripts/build-schemas.ts --stdout   print it instead of writing it
 *
 * Running it ahead of time (bootstrap) is optional: the apiserver runs it on first use
 * when the artifact is missing or stale. A current artifact is only touched, so that a
 * caller can skip starting node while the artifact is newer than node_modules and the
 * builder (`[ artifact -nt ... ]`).
 */
import { utimesSync } from 'node:fs';
import { catalogKey, catalogPath, readCatalogFile, writeCatalogFile } from '../src/schema/catalog-file.ts';

const args = new Set(process.argv.slice(2));
if (!args.has('--stdout') && !args.has('--force') && readCatalogFile(catalogKey())) {
  const now = new Date();
  utimesSync(catalogPath, now, now);
  process.exit(0);
}
const { buildCatalog } = await import('../src/schema/catalog-build.ts');
const text = JSON.stringify(await buildCatalog());
if (args.has('--stdout')) process.stdout.write(text);
else writeCatalogFile(text);
