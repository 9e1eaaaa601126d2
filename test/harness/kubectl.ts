import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './repo-root.ts';

export interface KubectlBinary {
  name: 'kubectl-1.20' | 'kubectl-latest';
  path: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  stdin?: string;
  kubeconfig?: string;
  timeoutMs?: number;
}

/** Debian's kubectl 1.20, extracted (not installed) by the ./skiff bootstrap. */
export const KUBECTL_120_PATH = join(REPO_ROOT, '.tools/kubernetes-client/usr/bin/kubectl');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The newest of the versioned kubectls installed beside `path`, else `path`. Google Cloud SDK's
 * `kubectl` is a dispatcher that runs the `kubectl.1.NN` matching the server's version — 1.30
 * against Skiff — so the newest kubectl on such a machine is its highest `kubectl.1.NN`.
 */
function newestBeside(path: string): string {
  const dir = dirname(realpathSync(path));
  let best: { path: string; minor: number } | undefined;
  for (const name of readdirSync(dir)) {
    const minor = /^kubectl\.1\.(\d+)$/.exec(name)?.[1];
    if (minor === undefined || !isExecutable(join(dir, name))) continue;
    if (!best || Number(minor) > best.minor) best = { path: join(dir, name), minor: Number(minor) };
  }
  return best?.path ?? path;
}

/**
 * The kubectls every kubectl suite runs against: the old 1.20 users still have, and the
 * newest one on PATH (when it is a different version). kubectl 1.20 is always listed:
 * when it is missing, the run fails with the fix in the message rather than skipping.
 */
export async function kubectlBinaries(): Promise<KubectlBinary[]> {
  const binaries: KubectlBinary[] = [{ name: 'kubectl-1.20', path: KUBECTL_120_PATH }];
  const onPath = findOnPath('kubectl');
  const latest = onPath && newestBeside(onPath);
  if (latest) {
    const { stdout } = await promisify(execFile)(latest, ['version', '--client', '-o', 'json'], { timeout: 10_000 });
    const minor = String((JSON.parse(stdout) as { clientVersion?: { minor?: string } }).clientVersion?.minor ?? '');
    if (!minor.startsWith('20')) binaries.push({ name: 'kubectl-latest', path: latest });
  }
  return binaries;
}

/** Runs kubectl to completion; never rejects on a non-zero exit (the result carries it). */
export function kubectl(bin: string | KubectlBinary, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const path = typeof bin === 'string' ? bin : bin.path;
  if (path === KUBECTL_120_PATH && !isExecutable(path)) {
    return Promise.reject(new Error(`kubectl 1.20 is missing at ${path}: run ./skiff, which extracts Debian's kubectl 1.20 there`));
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}) };
    const child = spawn(path, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl ${args.join(' ')} timed out after ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`kubectl ${path}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}
