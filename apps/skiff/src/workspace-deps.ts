import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './paths.ts';

/**
 * Every workspace declares the packages its sources import, so none works only because npm hoisted a
 * sibling's dependency into the root node_modules (`npm ci` in another layout, or a dependency dropped
 * from that sibling, would break it). `npm run lint` and `./skiff test` run this check.
 */

const SOURCE = /\.(ts|mts|js|mjs)$/;
// Directories whose files are data for tests or generated, not code that Node loads from here.
const SKIPPED_DIRS = new Set(['node_modules', 'testdata', 'fixtures']);
const BUILTINS = new Set(builtinModules);

// Static imports and re-exports (possibly over several lines, `import type` too), side-effect imports, and
// dynamic imports with a literal specifier. Statements start a line, so a specifier inside a test's string is not one.
const STATIC_IMPORT = /^\s*(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE_IMPORT = /^\s*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The package a module specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; undefined for relative paths and builtins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('#')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTINS.has(name) ? undefined : name;
}

/** The packages a source file's import and export statements name, sorted. */
export function importedPackages(source: string): string[] {
  const found = new Set<string>();
  for (const pattern of [STATIC_IMPORT, BARE_IMPORT, DYNAMIC_IMPORT]) {
    for (const match of source.matchAll(pattern)) {
      const name = packageOf(match[1]);
      if (name) found.add(name);
    }
  }
  return [...found].sort();
}

/**
 * The DefinitelyTyped package a workspace needs beside `name` when `name` ships no types of its own and the
 * install has `@types/<name>` (`ws` → `@types/ws`, `@scope/x` → `@types/scope__x`); undefined otherwise.
 */
export function typesPackageFor(name: string, root: string): string | undefined {
  if (name.startsWith('@types/')) return undefined;
  const typesName = `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
  if (!existsSync(join(root, 'node_modules', typesName))) return undefined;
  const dir = join(root, 'node_modules', name);
  if (existsSync(join(dir, 'index.d.ts'))) return undefined;
  const manifest = join(dir, 'package.json');
  if (existsSync(manifest) && /"(types|typings)"\s*:/.test(readFileSync(manifest, 'utf8'))) return undefined;
  return typesName;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) files.push(...(await sourceFiles(path)));
    else if (entry.isFile() && SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

type PackageJson = { name?: string; workspaces?: string[]; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

async function readPackageJson(dir: string): Promise<PackageJson> {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The workspace directories the root package.json lists (`libs/*` style globs or plain paths). */
async function workspaceDirs(root: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const pattern of (await readPackageJson(root)).workspaces ?? []) {
    if (!pattern.endsWith('/*')) {
      dirs.push(join(root, pattern));
      continue;
    }
    const parent = join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) continue;
    for (const entry of await readdir(parent, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(parent, entry.name, 'package.json'))) dirs.push(join(parent, entry.name));
    }
  }
  return dirs.sort();
}

export type UndeclaredImport = { workspace: string; packageName: string; file: string };

/** Each package a workspace imports without declaring it, with the first file (relative to root) that imports it. */
export async function findUndeclaredImports(root: string = REPO_ROOT): Promise<UndeclaredImport[]> {
  const undeclared: UndeclaredImport[] = [];
  for (const dir of await workspaceDirs(root)) {
    const pkg = await readPackageJson(dir);
    const declared = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
    const firstImporter = new Map<string, string>();
    for (const file of (await sourceFiles(dir)).sort()) {
      for (const imported of importedPackages(await readFile(file, 'utf8'))) {
        for (const name of [imported, typesPackageFor(imported, root)]) {
          if (name && !declared.has(name) && !firstImporter.has(name)) firstImporter.set(name, relative(root, file));
        }
      }
    }
    for (const [packageName, file] of [...firstImporter].sort(([a], [b]) => a.localeCompare(b))) {
      undeclared.push({ workspace: relative(root, dir), packageName, file });
    }
  }
  return undeclared;
}

/** `node apps/skiff/src/workspace-deps.ts`: one line per undeclared import; exit 1 when there is one. */
export async function checkWorkspaceDeps(root: string = REPO_ROOT): Promise<number> {
  const undeclared = await findUndeclaredImports(root);
  for (const u of undeclared) {
    console.error(`${u.workspace}/package.json: "${u.packageName}" is needed by ${u.file} but not in its dependencies`);
  }
  if (undeclared.length > 0) return 1;
  console.log('every workspace declares the packages it imports');
  return 0;
}

if (import.meta.main) process.exitCode = await checkWorkspaceDeps();
