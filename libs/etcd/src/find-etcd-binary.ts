import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where Debian's etcd-server puts the binary; SKIFF_ETCD_BIN overrides it for odd installs. */
const WELL_KNOWN_PATHS = ['/usr/bin/etcd', '/usr/local/bin/etcd'];

/**
 * Finds the etcd server binary. Skiff never downloads etcd itself: the bootstrap
 * (`./skiff`) installs Debian's etcd-server, so a missing binary means the bootstrap
 * has not run, and the error says exactly that.
 */
export function findEtcdBinary(env: NodeJS.ProcessEnv = process.env, wellKnownPaths: string[] = WELL_KNOWN_PATHS): string {
  const candidates = [
    ...(env.SKIFF_ETCD_BIN ? [env.SKIFF_ETCD_BIN] : []),
    ...wellKnownPaths,
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'etcd')),
  ];
  for (const path of candidates) {
    if (isExecutable(path)) return path;
  }
  throw new Error(`etcd binary not found (looked in ${[...new Set(candidates)].join(', ')}): run ./skiff, which installs etcd-server`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
