/**
 * The schema catalog artifact: the Kubernetes type tree extracted once from
 * @kubernetes/client-node's generated models (see catalog-build.ts) and kept as one JSON
 * file under libs/api/dist/ (gitignored), so the apiserver reads a compact table instead
 * of loading client-node's ~900 model modules and parsing their `.d.ts` files.
 *
 * The file carries a key — a hash of the installed client-node version and of the
 * builder's own source — so an `npm ci` that upgrades client-node, or a change to what
 * the builder writes, makes the loader rebuild it instead of trusting a stale copy.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One field: [JSON name, client-node type string, format ('' if none), required (1/0), description?]. */
export type CatalogField = [jsonName: string, type: string, format: string, required: 0 | 1, description?: string];

/** One model: its description ('' if none) and fields, in client-node's order. */
export interface CatalogModel {
  d: string;
  f: CatalogField[];
}

export interface CatalogFile {
  key: string;
  clientNodeVersion: string;
  /** client-node class name ('V1PodSpec', 'CoreV1Event') → model. */
  models: Record<string, CatalogModel>;
}

/** Where the artifact lives: libs/api/dist/kubernetes-models.json. */
export const catalogPath = fileURLToPath(new URL('../../dist/kubernetes-models.json', import.meta.url));

/** The script that builds the artifact; run it to (re)generate it ahead of time. */
export const buildScriptPath = fileURLToPath(new URL('../../scripts/build-schemas.ts', import.meta.url));

const builderSource = new URL('./catalog-build.ts', import.meta.url);

export function installedClientNodeVersion(): string {
  const manifest = createRequire(import.meta.url).resolve('@kubernetes/client-node/package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The key a current artifact carries: client-node's version and the builder's source, hashed. */
export function catalogKey(clientNodeVersion = installedClientNodeVersion()): string {
  return createHash('sha256').update(clientNodeVersion).update('\0').update(readFileSync(builderSource)).digest('hex').slice(0, 16);
}

/**
 * The current catalog: the artifact when its key matches, else one built by the build
 * script in a child process (so client-node's models never load into this one) and
 * cached for the next process. Synchronous, because its callers (decoding a request
 * body) are; it runs once per process, and builds once per machine and client-node.
 */
export function loadCatalog(): CatalogFile {
  const key = catalogKey();
  const cached = readCatalogFile(key);
  if (cached) return cached;
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // under `node --test`, the child is a plain script, not a test file
  const text = execFileSync(process.execPath, [buildScriptPath, '--stdout'], {
    encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const built = JSON.parse(text) as CatalogFile;
  if (built.key !== key) throw new Error(`${buildScriptPath} built a schema catalog keyed ${built.key}, expected ${key}`);
  try {
    writeCatalogFile(text);
  } catch {
    // A read-only checkout only loses the cache: the next process builds it again.
  }
  return built;
}

/** The artifact if it exists and carries `key`; undefined when missing, stale or torn. */
export function readCatalogFile(key = catalogKey(), path = catalogPath): CatalogFile | undefined {
  let catalog: CatalogFile;
  try {
    catalog = JSON.parse(readFileSync(path, 'utf8')) as CatalogFile;
  } catch {
    return undefined;
  }
  return catalog.key === key && catalog.models ? catalog : undefined;
}

/** Writes the artifact atomically (temp file, then rename), so concurrent builders and readers never see half a file. */
export function writeCatalogFile(text: string): void {
  mkdirSync(dirname(catalogPath), { recursive: true });
  const temp = `${catalogPath}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, catalogPath);
  } finally {
    rmSync(temp, { force: true });
  }
}
