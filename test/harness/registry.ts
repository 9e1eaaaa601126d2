/**
 * A private image registry for pull tests: Debian's docker-registry (distribution 2.x) on a
 * loopback port with htpasswd (bcrypt) auth. Plain HTTP is enough: Docker treats registries on
 * 127.0.0.0/8 as insecure-allowed, so no TLS and no daemon configuration are needed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface RegistryOptions {
  port: number;
  username: string;
  password: string;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the image prefix and the key in a dockerconfigjson. */
  host: string;
  username: string;
  password: string;
  dir: string;
  logTail(): string;
  stop(): Promise<void>;
}

export function registryAvailable(): boolean {
  return existsSync(REGISTRY_BINARY) && existsSync('/usr/bin/htpasswd');
}

/** Starts the registry and resolves once /v2/ answers (401: auth is on). */
export async function startRegistry(opts: RegistryOptions): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), `k2-registry-${opts.port}-`));
  const htpasswd = join(dir, 'htpasswd');
  // -B: bcrypt, the only hash distribution's htpasswd backend accepts.
  execFileSync('/usr/bin/htpasswd', ['-Bbc', htpasswd, opts.username, opts.password], { stdio: 'ignore' });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${opts.port}`,
      'auth:',
      '  htpasswd:',
      '    realm: skiff-test-registry',
      `    path: ${htpasswd}`,
      '',
    ].join('\n'),
  );
  const logFile = join(dir, 'registry.log');
  const logFd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const logTail = () => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await Promise.race([exit, new Promise((r) => setTimeout(r, 5000))]);
      if (!exited) child.kill('SIGKILL');
      await exit;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      const tail = logTail();
      await stop();
      throw new Error(`docker-registry exited early:\n${tail}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${opts.port}/v2/`);
      if (res.status === 401 || res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry on ${opts.port} did not answer within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { host: `127.0.0.1:${opts.port}`, username: opts.username, password: opts.password, dir, logTail, stop };
}

/** A kubernetes.io/dockerconfigjson payload for the registry (base64 for Secret.data). */
export function dockerConfigJson(host: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  return JSON.stringify({ auths: { [host]: { username, password, auth } } });
}
