/**
 * The image of the Backup operator and its webhook, built on this machine (libs/images' node image:
 * the project's node binary, its libraries, the two programs and @kubernetes/client-node), then
 * loaded into each lab node's engine as `kind load` or `skiff lab load` would: nodes pull from no registry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ensureNodeImage, packageFiles } from '@skiff/images';
import { REPO_ROOT } from '../../harness/index.ts';
import type { Lab } from '../../harness/lab.ts';

const HERE = join(REPO_ROOT, 'test/e2e/operator');
export const OPERATOR_PROGRAM = '/app/backup-operator.mjs';
export const WEBHOOK_PROGRAM = '/app/backup-webhook.mjs';

/** Builds the image once per content and loads it into every node; answers its reference. */
export async function ensureOperatorImage(lab: Lab): Promise<string> {
  const host = new Docker();
  const program = (name: string) => ({ name, data: readFileSync(join(HERE, name)) });
  const ref = await ensureNodeImage(host, {
    repository: 'skiff/backup-operator',
    app: [program('backup-operator.mjs'), program('backup-webhook.mjs'), ...packageFiles(join(REPO_ROOT, 'node_modules'), ['@kubernetes/client-node'])],
    args: [OPERATOR_PROGRAM],
  });
  await lab.load([ref]);
  return ref;
}
