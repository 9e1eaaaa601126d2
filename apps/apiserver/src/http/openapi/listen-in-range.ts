/** Test helper: binds an app inside a test's own port range, so parallel suites never collide. */
import type { Server } from 'node:http';
import type express from 'express';

/** Listens on the first free port of this component's test range. */
export async function listenInRange(app: express.Express, first: number, last: number): Promise<Server> {
  for (let port = first; port <= last; port++) {
    const server = await new Promise<Server | undefined>((resolve) => {
      // Express 5 hands a listen error to the callback as well as emitting it.
      const s = app.listen(port, '127.0.0.1', (error?: Error) => resolve(error ? undefined : s));
      s.once('error', () => resolve(undefined));
    });
    if (server) return server;
  }
  throw new Error(`no free port in ${first}-${last}`);
}
