/**
 * Reloading a certificate and key the renewer replaced on disk, as kube-apiserver's dynamic
 * certificate controllers do (the apiserver's serving and client pairs, a kubelet's --tls-cert-file): the files are looked at every few seconds; a changed pair whose
 * key matches its certificate is handed over (a pair caught half-written waits for the next look).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

/** What the follower logs through (a pino logger fits). */
export interface KeyPairLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export const KEY_PAIR_RELOAD_INTERVAL_MS = 5_000;

export type KeyPairFiles = { cert: string; key: string };

async function stamp(files: KeyPairFiles): Promise<string> {
  const [c, k] = await Promise.all([stat(files.cert), stat(files.key)]);
  return `${c.mtimeMs}:${c.size}:${c.ino}|${k.mtimeMs}:${k.size}:${k.ino}`;
}

/** Calls `apply` with the new pair each time the files change; returns a function that stops looking. */
export function followKeyPair(
  files: KeyPairFiles,
  apply: (pair: { cert: Buffer; key: Buffer }) => void,
  opts: { logger: KeyPairLogger; what: string; intervalMs?: number },
): () => void {
  let last: string | undefined;
  let busy = false;
  const look = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = await stamp(files);
      if (last === undefined || now === last) {
        last = now;
        return;
      }
      const [cert, key] = await Promise.all([readFile(files.cert), readFile(files.key)]);
      const parsed = new X509Certificate(cert);
      if (!parsed.checkPrivateKey(createPrivateKey(key))) return;
      apply({ cert, key });
      last = now;
      opts.logger.info({ file: files.cert, serial: parsed.serialNumber, notAfter: parsed.validTo }, `${opts.what} certificate reloaded`);
    } catch (err) {
      opts.logger.warn({ file: files.cert, err: (err as Error).message }, `${opts.what} certificate: cannot reload; keeping the current one`);
    } finally {
      busy = false;
    }
  };
  void look();
  const timer = setInterval(() => void look(), opts.intervalMs ?? KEY_PAIR_RELOAD_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
