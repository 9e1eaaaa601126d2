/**
 * Follows a kubeconfig on disk: when the renewer replaces its client certificate (or the
 * certificate files it names), the RestClient presents the new one from its next request on,
 * without a restart (open watches keep their connection until they end).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadKubeconfig } from './kubeconfig.ts';

export const FOLLOW_INTERVAL_MS = 10_000;

/** The part of a RestClient a follower needs. */
export interface ClientCertificateTarget {
  setClientCertificate(cert: string, key: string): void;
}

export interface FollowOptions {
  intervalMs?: number;
  context?: string;
  /** Told each time a new certificate is taken, or reading failed (the old one stays). */
  onChange?: (event: { ok: true } | { ok: false; error: Error }) => void;
}

/** The kubeconfig and the files its users' client-certificate/client-key name, whose change means a new certificate. */
function watchedFiles(path: string): string[] {
  const files = [path];
  try {
    const doc = parse(readFileSync(path, 'utf8')) as { users?: Array<{ user?: Record<string, unknown> }> } | null;
    for (const u of doc?.users ?? []) {
      for (const key of ['client-certificate', 'client-key']) {
        const f = u.user?.[key];
        if (typeof f === 'string') files.push(isAbsolute(f) ? f : resolve(dirname(path), f));
      }
    }
  } catch {
    // Unreadable now: the next tick tries again.
  }
  return files;
}

async function fingerprint(files: string[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (f) => {
      const s = await stat(f).catch(() => undefined);
      return s ? `${s.mtimeMs}:${s.size}:${s.ino}` : '-';
    }),
  );
  return parts.join('|');
}

/**
 * Checks the kubeconfig every `intervalMs` (10 s) and hands a changed client certificate to
 * `client`. Returns a function that stops following. A kubeconfig without a client certificate
 * (a token) is followed all the same; nothing is handed over until one appears.
 */
export function followKubeconfigCertificate(path: string, client: ClientCertificateTarget, opts: FollowOptions = {}): () => void {
  let current = (() => {
    try {
      const c = loadKubeconfig(path, opts.context);
      return `${c.clientCert ?? ''}${c.clientKey ?? ''}`;
    } catch {
      return '';
    }
  })();
  let last: string | undefined;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const stamp = await fingerprint(watchedFiles(path));
      if (last === undefined) last = stamp;
      if (stamp === last) return;
      const config = loadKubeconfig(path, opts.context);
      if (config.clientCert && config.clientKey && !new X509Certificate(config.clientCert).checkPrivateKey(createPrivateKey(config.clientKey))) {
        // Caught between the key's and the certificate's replacement: look again next tick.
        return;
      }
      last = stamp;
      if (!config.clientCert || !config.clientKey) return;
      const next = `${config.clientCert}${config.clientKey}`;
      if (next === current) return;
      client.setClientCertificate(config.clientCert, config.clientKey);
      current = next;
      opts.onChange?.({ ok: true });
    } catch (err) {
      opts.onChange?.({ ok: false, error: err as Error });
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), opts.intervalMs ?? FOLLOW_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
