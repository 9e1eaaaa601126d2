/**
 * A steady stream of HTTP GETs (a new connection each, so every request goes through the node's
 * Service rules afresh) spread over several URLs, counting what fails: the load a user's clients put
 * on a Service while it is updated.
 */
import { get } from 'node:http';

export type LoadReport = { requests: number; failed: number; failures: string[]; bodies: Map<string, number> };

export function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Runs until stop() resolves: `concurrency` loops, each one request at a time, pausing `pauseMs` between. */
export function startLoad(urls: string[], opts: { concurrency?: number; pauseMs?: number } = {}): { stop(): Promise<LoadReport> } {
  const report: LoadReport = { requests: 0, failed: 0, failures: [], bodies: new Map() };
  let running = true;
  let i = 0;
  const loop = async () => {
    while (running) {
      const url = urls[i++ % urls.length]!;
      report.requests++;
      try {
        const { status, body } = await httpGet(url);
        if (status !== 200) throw new Error(`HTTP ${status}`);
        const key = body.trim().replace(/ on .*/, '');
        report.bodies.set(key, (report.bodies.get(key) ?? 0) + 1);
      } catch (err) {
        report.failed++;
        if (report.failures.length < 20) report.failures.push(`${url}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, opts.pauseMs ?? 20));
    }
  };
  const loops = Array.from({ length: opts.concurrency ?? 4 }, loop);
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return report;
    },
  };
}
