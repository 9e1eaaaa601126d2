import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import { REPO_ROOT, resolveSkiffPaths } from './paths.ts';

/** Debian's kubectl 1.20, unpacked (not installed) by ./skiff; see docs/operations.md. */
export const DEBIAN_KUBECTL = join(REPO_ROOT, '.tools/kubernetes-client/usr/bin/kubectl');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The kubectl on PATH (the user's, usually the newest), else Debian's from .tools/. */
export function findKubectl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'kubectl'));
  return [...onPath, DEBIAN_KUBECTL].find(isExecutable);
}

/** Skiff's own kubectl (apps/kubectl), run by the same node that runs ./skiff. */
export const OWN_KUBECTL = join(REPO_ROOT, 'apps/kubectl/src/main.ts');

/**
 * The kubeconfig `skiff kubectl` uses: $KUBECONFIG when the user set one (the lab's, another
 * cluster's — as `k3s kubectl` does), else this cluster's admin kubeconfig.
 */
export function kubeconfigFor(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBECONFIG || resolveSkiffPaths(env).kubeconfig;
}

/**
 * `skiff kubectl ...`: Skiff's own kubectl against kubeconfigFor(); with SKIFF_KUBECTL=upstream,
 * a real kubectl (PATH, else Debian's in .tools/) instead. Exit code and signals pass through.
 */
export async function runKubectl(args: string[]): Promise<number> {
  const env = { ...process.env, KUBECONFIG: kubeconfigFor() };
  let command: string;
  let argv: string[];
  if (process.env.SKIFF_KUBECTL === 'upstream') {
    const kubectl = findKubectl();
    if (!kubectl) {
      console.error('skiff kubectl: no kubectl on PATH and none in .tools/kubernetes-client; run ./skiff once to fetch it');
      return 1;
    }
    command = kubectl;
    argv = args;
  } else {
    command = process.execPath;
    argv = [OWN_KUBECTL, ...args];
  }
  const kubectl = command;
  const child = spawn(command, argv, { stdio: 'inherit', env });
  // The terminal sends Ctrl-C to kubectl too; we just wait for it to finish.
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise((resolveCode) => {
    child.on('error', (err) => {
      console.error(`skiff kubectl: cannot run ${kubectl}: ${err.message}`);
      resolveCode(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      // A shell reports death by signal N as 128 + N; so do we.
      resolveCode(code ?? 128 + (signal ? osConstants.signals[signal] : 0));
    });
  });
}
