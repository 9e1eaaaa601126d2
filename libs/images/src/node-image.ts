/**
 * A Node.js image built FROM scratch on this machine, for in-cluster clients in tests: the node
 * binary the project runs on, the shared libraries `ldd` says it loads (at the same paths, so its
 * interpreter finds them), and an app directory (a script and the node_modules packages it
 * imports). No registry, no base image. The tag carries a hash of what went in, so a changed
 * script or package gets a new image and an unchanged one is built once per Docker host.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { buildImageFromContext, hasImage } from './build-image.ts';
import type { TarEntry } from './tar-archive.ts';

export interface NodeImageOptions {
  /** Repository part of the tag (`skiff/node-client`); the tag is a hash of the content. */
  repository: string;
  /** The node executable to copy (its real path is read; default: the running one). */
  nodeBinary?: string;
  /** Files of the app, relative to /app in the image (`main.mjs`, `node_modules/ws/index.js`). */
  app: TarEntry[];
  /** The command's arguments after `node` (default ['/app/main.mjs']). */
  args?: string[];
}

/** Skipped when copying packages: nothing `node` loads at run time. */
const NOT_RUNTIME = /\.(map|d\.ts|d\.mts|d\.cts|md|markdown)$/;

/** Builds the image unless Docker has it; returns its reference. */
export async function ensureNodeImage(docker: Docker, opts: NodeImageOptions): Promise<string> {
  const nodeBinary = realpathSync(opts.nodeBinary ?? process.execPath);
  const args = opts.args ?? ['/app/main.mjs'];
  const hash = createHash('sha256');
  const { size, mtimeMs } = statSync(nodeBinary);
  hash.update(`${nodeBinary} ${size} ${mtimeMs} ${JSON.stringify(args)}\n`);
  for (const entry of opts.app) hash.update(`${entry.name}\0${entry.linkTarget ?? ''}\0`).update(entry.data ?? new Uint8Array());
  const ref = `${opts.repository}:${hash.digest('hex').slice(0, 16)}`;
  if (await hasImage(docker, ref)) return ref;

  const libraries = await sharedLibraries(nodeBinary);
  const files: TarEntry[] = [
    // `COPY . /` would otherwise put the Dockerfile into the image's root.
    { name: '.dockerignore', data: Buffer.from('Dockerfile\n.dockerignore\n') },
    { name: 'bin/node', data: readFileSync(nodeBinary), mode: 0o755 },
    ...libraries.map((path) => ({ name: path.slice(1), data: readFileSync(path), mode: 0o755 })),
    { name: 'tmp', directory: true, mode: 0o1777 },
    ...opts.app.map((entry) => ({ ...entry, name: `app/${entry.name}` })),
  ];
  const cmd = JSON.stringify(['/bin/node', ...args]);
  await buildImageFromContext(docker, ref, `FROM scratch\nCOPY . /\nENV PATH=/bin HOME=/tmp\nWORKDIR /app\nCMD ${cmd}\n`, withParentDirectories(files), {
    'io.skiff.image': 'node',
  });
  return ref;
}

/** The libraries and the ELF interpreter `ldd` lists for a binary (absolute paths, symlinks resolved when read). */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ldd', [binary]);
  const paths = new Set<string>();
  for (const line of stdout.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match) paths.add(match[1]!);
  }
  if (paths.size === 0) throw new Error(`${binary}: ldd listed no libraries: ${stdout}`);
  return [...paths];
}

/**
 * The files of `packages` and of every package they depend on (resolved from `nodeModules` as
 * node would from the app's directory), under `node_modules/...`, as TarEntries.
 */
export function packageFiles(nodeModules: string, packages: string[]): TarEntry[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const manifest = join(nodeModules, name, 'package.json');
    if (!existsSync(manifest)) throw new Error(`package ${name}: not in ${nodeModules}`);
    seen.add(name);
    const { dependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
    // Type packages are for the compiler; nothing imports them at run time.
    for (const dep of Object.keys(dependencies)) if (!dep.startsWith('@types/')) visit(dep);
  };
  for (const name of packages) visit(name);
  const entries: TarEntry[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const name = `node_modules/${relative(nodeModules, path)}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isSymbolicLink()) continue;
      else if (!NOT_RUNTIME.test(entry.name)) entries.push({ name, data: readFileSync(path), mode: statSync(path).mode & 0o777 });
    }
  };
  for (const name of [...seen].sort()) walk(join(nodeModules, name));
  return entries;
}

/** Docker's COPY makes missing directories, but with the archive's own order; list them first. */
function withParentDirectories(files: TarEntry[]): TarEntry[] {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.name.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const explicit = new Set(files.filter((f) => f.directory).map((f) => f.name));
  const missing = [...dirs]
    .filter((d) => !explicit.has(d))
    .sort()
    .map((name) => ({ name, directory: true }));
  return [...missing, ...files];
}
