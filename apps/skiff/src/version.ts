/**
 * `./skiff version [-o json]`: what this checkout is and what it serves, laid out as `kubectl version`
 * lays out its client and server: Skiff's version (package.json, plus the git commit in a checkout), the
 * Kubernetes API version Skiff implements, Node.js's version, then the running server's /version.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RestClient } from '@skiff/client';
import { REPO_ROOT, resolveSkiffPaths } from './paths.ts';
import { parseFlags, wantsJson } from './usage.ts';

/** The Kubernetes version the apiserver's /version claims (apps/apiserver/src/http/discovery.ts). */
export const KUBERNETES_VERSION = 'v1.30.0+skiff';

export type VersionReport = {
  skiffVersion: string;
  /** Short commit of the checkout; absent outside a git checkout. */
  gitCommit?: string;
  kubernetesVersion: string;
  nodeVersion: string;
  /** The running apiserver's /version; absent when none answers. */
  serverVersion?: Record<string, string>;
};

function gitCommit(): string | undefined {
  const git = spawnSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', timeout: 5000 });
  return git.status === 0 ? git.stdout.trim() || undefined : undefined;
}

/** The apiserver's /version through the admin kubeconfig; undefined when there is no cluster to ask. */
async function serverVersion(kubeconfig: string): Promise<Record<string, string> | undefined> {
  let client: RestClient | undefined;
  try {
    client = RestClient.fromKubeconfig(kubeconfig, { timeoutMs: 3000 });
    return await client.request<Record<string, string>>('GET', '/version');
  } catch {
    return undefined;
  } finally {
    client?.close();
  }
}

export async function gatherVersion(env: NodeJS.ProcessEnv = process.env): Promise<VersionReport> {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'apps/skiff/package.json'), 'utf8')) as { version: string };
  return {
    skiffVersion: `v${pkg.version}`,
    gitCommit: gitCommit(),
    kubernetesVersion: KUBERNETES_VERSION,
    nodeVersion: process.version,
    serverVersion: await serverVersion(resolveSkiffPaths(env).kubeconfig),
  };
}

/** The lines `./skiff version` prints. */
export function renderVersion(report: VersionReport): string[] {
  return [
    `Skiff Version: ${report.skiffVersion}${report.gitCommit ? ` (commit ${report.gitCommit})` : ''}`,
    `Kubernetes Version: ${report.kubernetesVersion}`,
    `Node.js Version: ${report.nodeVersion}`,
    report.serverVersion ? `Server Version: ${report.serverVersion.gitVersion ?? '(unknown)'}` : 'Server: not running',
  ];
}

export async function runVersion(args: string[]): Promise<number> {
  const json = wantsJson(parseFlags(args, { values: ['output'], aliases: { '-o': 'output' } }).flags);
  const report = await gatherVersion();
  console.log(json ? JSON.stringify(report, null, 2) : renderVersion(report).join('\n'));
  return 0;
}
