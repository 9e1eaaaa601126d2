/**
 * Kubelet's AtomicWriter: a volume's files live in a timestamped directory, `..data` is a symlink
 * to the current one, and each user-visible top-level name is a symlink into `..data`. An update
 * writes a new timestamped directory and renames a fresh symlink over `..data`, so a reader sees
 * either the old set of files or the new one, never a mix:
 *
 *   volume/
 *     ..2026_11_23_21_42_08.1234/game.properties
 *     ..data -> ..2026_11_23_21_42_08.1234
 *     game.properties -> ..data/game.properties
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';

export interface FileProjection {
  data: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** Relative path → contents; what a configMap, secret, downwardAPI or projected volume shows. */
export type Payload = Map<string, FileProjection>;

const DATA_DIR = '..data';
const DATA_TMP = '..data_tmp';

/** Paths must stay inside the volume and may not collide with the writer's own `..` names. */
export function validatePayloadPath(path: string): string | undefined {
  if (path === '') return 'path must not be empty';
  if (path.startsWith('/')) return `path "${path}" must be relative`;
  const parts = path.split('/');
  if (parts.includes('..')) return `path "${path}" must not contain '..'`;
  if (path.startsWith('..')) return `path "${path}" must not start with '..'`;
  return undefined;
}

/** Writes the payload into dir if it differs from what is there; returns whether it wrote. */
export async function writeAtomically(dir: string, payload: Payload): Promise<boolean> {
  for (const path of payload.keys()) {
    const problem = validatePayloadPath(path);
    if (problem) throw new Error(problem);
  }
  await mkdir(dir, { recursive: true });
  const oldTsName = await readlink(join(dir, DATA_DIR)).catch(() => undefined);
  if (oldTsName && (await payloadMatches(join(dir, oldTsName), payload))) return false;

  // Step 1: the new generation in its own timestamped directory.
  const tsDir = await mkdtemp(join(dir, `..${timestamp(new Date())}.`));
  await chmod(tsDir, 0o755);
  for (const [path, file] of payload) {
    const target = join(tsDir, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, file.data);
    await chmod(target, file.mode); // explicit: the process umask must not narrow the requested mode
  }

  // Step 2: swap ..data in one rename.
  await rm(join(dir, DATA_TMP), { force: true });
  await symlink(tsDirName(tsDir), join(dir, DATA_TMP));
  await rename(join(dir, DATA_TMP), join(dir, DATA_DIR));

  // Step 3: user-visible symlinks for new top-level names; drop the ones no longer in the payload.
  const topLevel = new Set([...payload.keys()].map((p) => normalize(p).split(sep)[0]!));
  for (const name of topLevel) {
    const link = join(dir, name);
    const existing = await lstat(link).catch(() => undefined);
    if (existing?.isSymbolicLink()) continue;
    if (existing) await rm(link, { recursive: true, force: true });
    await symlink(join(DATA_DIR, name), link);
  }
  for (const name of await readdir(dir)) {
    if (name.startsWith('..') || topLevel.has(name)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
  }

  // Step 4: the previous generation is no longer referenced.
  if (oldTsName && oldTsName !== tsDirName(tsDir)) await rm(join(dir, oldTsName), { recursive: true, force: true });
  return true;
}

function tsDirName(tsDir: string): string {
  return tsDir.slice(tsDir.lastIndexOf(sep) + 1);
}

/** `2026_11_23_21_42_08`, as kubelet names its generations (plus mkdtemp's random suffix). */
function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}`;
}

async function payloadMatches(tsDir: string, payload: Payload): Promise<boolean> {
  const existing = await listFiles(tsDir).catch(() => undefined);
  if (!existing || existing.length !== payload.size) return false;
  for (const path of existing) {
    const want = payload.get(path);
    if (!want) return false;
    const full = join(tsDir, path);
    const [st, data] = await Promise.all([stat(full), readFile(full)]);
    if ((st.mode & 0o7777) !== want.mode || !data.equals(want.data)) return false;
  }
  return true;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}
