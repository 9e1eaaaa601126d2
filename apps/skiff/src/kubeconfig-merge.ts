/**
 * `./skiff kubeconfig [--merge] [--lab]`: the cluster's admin kubeconfig, printed (kind's
 * `kind get kubeconfig`) or merged into the user's own kubeconfig (kind's `kind export kubeconfig`):
 * its cluster, user and context go into $KUBECONFIG's first file, else ~/.kube/config, replacing
 * entries of the same names, keeping every other, and its context becomes the current one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { computeLabLayout } from './lab/lab-layout.ts';
import { resolveSkiffHome, resolveSkiffPaths } from './paths.ts';
import { parseFlags } from './usage.ts';

type Named = { name: string; [field: string]: unknown };
type Kubeconfig = {
  clusters?: Named[];
  users?: Named[];
  contexts?: Array<Named & { context?: { cluster?: string; user?: string } }>;
  'current-context'?: string;
  [field: string]: unknown;
};

/** Who ran `sudo ./skiff ...`: the kubeconfig to merge into is theirs, not root's. */
export type SudoUser = { home: string; uid: number; gid: number };

function sudoUser(env: NodeJS.ProcessEnv): SudoUser | undefined {
  if (process.getuid?.() !== 0 || !env.SUDO_USER || !env.SUDO_UID || !env.SUDO_GID) return undefined;
  const home = spawnSync('getent', ['passwd', env.SUDO_USER], { encoding: 'utf8' }).stdout?.split(':')[5];
  return home ? { home, uid: Number(env.SUDO_UID), gid: Number(env.SUDO_GID) } : undefined;
}

/**
 * The file kubectl writes to: $KUBECONFIG's first entry, else ~/.kube/config (as client-go's loading
 * rules pick), the home being the sudo user's when there is one.
 */
export function userKubeconfigPath(env: NodeJS.ProcessEnv = process.env, sudo?: SudoUser): string {
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p !== '');
  return first ?? join(sudo?.home ?? (env.HOME || homedir()), '.kube', 'config');
}

const upsert = (list: Named[] | undefined, entry: Named): Named[] => [...(list ?? []).filter((e) => e.name !== entry.name), entry];

/**
 * `target` with `source`'s current context, and the cluster and user it names, added (same names
 * replaced); that context becomes current. Returns the merged config and the context's name.
 */
export function mergeKubeconfig(target: Kubeconfig, source: Kubeconfig): { merged: Kubeconfig; context: string } {
  const name = source['current-context'];
  const context = source.contexts?.find((c) => c.name === name);
  const cluster = source.clusters?.find((c) => c.name === context?.context?.cluster);
  const user = source.users?.find((u) => u.name === context?.context?.user);
  if (!name || !context || !cluster || !user) throw new Error("the cluster's kubeconfig has no complete current context (cluster, user) to merge");
  const merged: Kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    ...target,
    clusters: upsert(target.clusters, cluster),
    users: upsert(target.users, user),
    contexts: upsert(target.contexts, context),
    'current-context': name,
  };
  return { merged, context: name };
}

/**
 * Merges `sourcePath` into `targetPath` (created with mode 0600 when missing, owned by `owner` when
 * given); returns the context name.
 */
export async function mergeKubeconfigFile(sourcePath: string, targetPath: string, owner?: SudoUser): Promise<string> {
  const source = parse(await readFile(sourcePath, 'utf8')) as Kubeconfig;
  const target = existsSync(targetPath) ? ((parse(await readFile(targetPath, 'utf8')) as Kubeconfig | null) ?? {}) : {};
  const { merged, context } = mergeKubeconfig(target, source);
  const created = await mkdir(dirname(targetPath), { recursive: true, mode: 0o700 });
  if (owner && created) await chown(created, owner.uid, owner.gid);
  // Written aside then renamed: a crash never leaves the user's kubeconfig half-written.
  const tmp = `${targetPath}.skiff-${process.pid}.tmp`;
  await writeFile(tmp, stringify(merged), { mode: 0o600 });
  if (owner) await chown(tmp, owner.uid, owner.gid);
  await rename(tmp, targetPath);
  return context;
}

export async function runKubeconfig(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { flags } = parseFlags(args, { booleans: ['merge', 'lab'] });
  const source = flags.lab
    ? computeLabLayout(resolveSkiffHome(env), { nodes: 0, etcd: 0, controlPlanes: 0, slot: 0 }).kubeconfigPath
    : resolveSkiffPaths(env).kubeconfig;
  if (!existsSync(source)) {
    console.error(`skiff kubeconfig: no kubeconfig at ${source}: start the cluster first (${flags.lab ? './skiff lab up' : './skiff up'})`);
    return 1;
  }
  if (!flags.merge) {
    process.stdout.write(await readFile(source, 'utf8'));
    return 0;
  }
  const sudo = sudoUser(env);
  const context = await mergeKubeconfigFile(source, userKubeconfigPath(env, sudo), sudo);
  console.log(`Set kubectl context to "${context}"`);
  console.log(`You can now use your cluster with:\n\nkubectl cluster-info --context ${context}`);
  return 0;
}
