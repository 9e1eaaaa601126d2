import { resolve } from 'node:path';

/** The repository root (test/harness/../..), so suites run from any working directory. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
