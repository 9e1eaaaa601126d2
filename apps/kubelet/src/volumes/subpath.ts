/**
 * volumeMounts[].subPath: a path inside the volume, created when missing (with the volume's
 * mode, as the kubelet does so that ownership stays right), and refused when a symlink on the
 * way leads out of the volume — the check behind CVE-2017-1002101. Synchronous because
 * mountsFor is, and because the answer must not change between check and bind: we hand Docker
 * the resolved path, so a symlink swapped in afterwards is not followed.
 */
import { lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';

export function resolveSubPath(volumePath: string, subPath: string, opts: { create: boolean }): string {
  if (isAbsolute(subPath) || subPath.split('/').includes('..')) {
    throw new Error(`subpath "${subPath}" must be a relative path without '..'`);
  }
  const base = realpathSync(volumePath);
  const full = join(volumePath, subPath);
  const notWithin = () => new Error(`subpath "${full}" not within volume path "${volumePath}"`);
  if (opts.create) {
    const mode = statSync(base).mode & 0o7777;
    // Walk component by component so a symlink in the middle is resolved (and checked) before we create below it.
    let current = base;
    for (const part of subPath.split('/').filter((p) => p !== '' && p !== '.')) {
      const next = join(current, part);
      const st = lstatSync(next, { throwIfNoEntry: false });
      if (!st) {
        mkdirSync(next, { mode });
        current = next;
        continue;
      }
      const resolved = st.isSymbolicLink() ? realpathSync(next) : next;
      if (!within(base, resolved)) throw notWithin();
      current = resolved;
    }
  }
  let resolved: string;
  try {
    resolved = realpathSync(full);
  } catch (err) {
    throw new Error(`subpath "${full}": ${(err as Error).message}`, { cause: err });
  }
  if (!within(base, resolved)) throw notWithin();
  return resolved;
}

function within(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel));
}
