/**
 * Binds a listener, and when the port is taken (another web server on :80) or not ours to take,
 * logs an error and tries again every retryMs instead of exiting: the agent would only restart
 * us into the same wall, and the user's fix (stopping nginx) should take effect by itself.
 */
import type { Server, Socket } from 'node:net';
import type { Logger } from '@skiff/log';
import { sleep } from '@skiff/client';

export interface ListenOptions {
  port: number;
  host: string;
  name: string;
  retryMs?: number;
  logger: Logger;
  signal: AbortSignal;
}

/** Resolves once listening (true) or when the signal aborted first (false). */
export async function listenWithRetry(server: Server, opts: ListenOptions): Promise<boolean> {
  const retryMs = opts.retryMs ?? 10_000;
  trackSockets(server);
  for (let attempt = 1; !opts.signal.aborted; attempt++) {
    try {
      await listenOnce(server, opts.port, opts.host);
      if (attempt > 1) opts.logger.info({ listener: opts.name, port: opts.port }, 'listener bound after retrying');
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      opts.logger.error(
        { listener: opts.name, address: `${opts.host}:${opts.port}`, code, err, retryInMs: retryMs },
        code === 'EADDRINUSE' ? 'port already in use (another web server?); retrying' : 'cannot listen; retrying',
      );
      await sleep(retryMs, opts.signal);
    }
  }
  return false;
}

function listenOnce(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Every socket a listener accepted, until it closes: an HTTP server's closeAllConnections does not
 * reach sockets handed over to WebSockets, which would keep close() waiting forever.
 */
const openSockets = new WeakMap<Server, Set<Socket>>();

function trackSockets(server: Server): void {
  if (openSockets.has(server)) return;
  const sockets = new Set<Socket>();
  openSockets.set(server, sockets);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

/** Stops accepting, lets in-flight requests finish for up to graceMs, then cuts what is left. */
export function closeServer(server: Server & { closeIdleConnections?: () => void }, graceMs = 5_000): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      for (const s of openSockets.get(server) ?? []) s.destroy();
    }, graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections?.();
  });
}
