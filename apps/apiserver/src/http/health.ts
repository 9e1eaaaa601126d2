/**
 * /healthz, /livez and /readyz as kube-apiserver serves them: plain `ok`, per-check
 * lines with `?verbose`, and `/readyz/<check>` for a single check. Liveness never
 * depends on etcd (a restart would not fix etcd); readiness does, and turns false as
 * soon as shutdown begins so load balancers stop sending new requests.
 */
import type { Request, Response, Router } from 'express';
import express from 'express';

export type HealthCheck = () => Promise<boolean> | boolean;

export interface HealthChecks {
  livez: Record<string, HealthCheck>;
  readyz: Record<string, HealthCheck>;
}

async function runChecks(checks: Record<string, HealthCheck>, only?: string): Promise<{ name: string; ok: boolean }[]> {
  const names = only ? [only] : Object.keys(checks);
  return Promise.all(
    names.map(async (name) => {
      try {
        return { name, ok: await checks[name]!() };
      } catch {
        return { name, ok: false };
      }
    }),
  );
}

function serveChecks(endpoint: string, checks: Record<string, HealthCheck>) {
  return async (req: Request, res: Response): Promise<void> => {
    const only = typeof req.params.check === 'string' ? req.params.check : undefined;
    if (only && !(only in checks)) {
      res.status(404).type('text/plain').send(`404 page not found\n`);
      return;
    }
    const results = await runChecks(checks, only);
    const failed = results.filter((r) => !r.ok);
    const verbose = req.query.verbose !== undefined;
    res.setHeader('Cache-Control', 'no-cache, private');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (failed.length === 0 && !verbose) {
      res.status(200).type('text/plain').send('ok');
      return;
    }
    // kube withholds failure details from unauthenticated callers; we say which check failed.
    const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
    lines.push(failed.length === 0 ? `${endpoint} check passed` : `${endpoint} check failed`);
    res
      .status(failed.length === 0 ? 200 : 500)
      .type('text/plain')
      .send(`${lines.join('\n')}\n`);
  };
}

export function healthRouter(checks: HealthChecks): Router {
  const router = express.Router();
  const healthz = { ...checks.livez, ...checks.readyz };
  for (const [endpoint, set] of [
    ['healthz', healthz],
    ['livez', checks.livez],
    ['readyz', checks.readyz],
  ] as const) {
    router.get(`/${endpoint}`, serveChecks(endpoint, set));
    router.get(`/${endpoint}/:check`, serveChecks(endpoint, set));
  }
  return router;
}
