/**
 * A small TCP load balancer in front of the lab's apiservers, as k3s's agent keeps one in front of its
 * servers: nodes get one address that survives an apiserver going down. Backends are probed by TCP
 * connect every second; a connection goes to the next healthy backend (round robin) and, when that
 * connect fails, to the one after, and at last to those the probe saw down. TLS passes through untouched (clients verify the apiserver cert,
 * which names the lab's host address).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type Backend = { host: string; port: number };

export type BalancerOptions = {
  host: string;
  port: number;
  backends: Backend[];
  probeIntervalMs?: number;
  connectTimeoutMs?: number;
  log?: (message: string) => void;
};

function probe(backend: Backend, timeoutMs: number): Promise<boolean> {
  return new Promise((resolveUp) => {
    const socket = connect({ host: backend.host, port: backend.port });
    const done = (up: boolean) => {
      socket.destroy();
      resolveUp(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function parseBackends(spec: string): Backend[] {
  return spec
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.lastIndexOf(':');
      const port = Number(entry.slice(colon + 1));
      if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`backend "${entry}": want host:port`);
      return { host: entry.slice(0, colon), port };
    });
}

export async function startBalancer(opts: BalancerOptions): Promise<{ server: Server; healthy(): Backend[]; close(): Promise<void> }> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
  const log = opts.log ?? (() => {});
  // Until the first probe says otherwise every backend is worth a try.
  const up = new Map<Backend, boolean>(opts.backends.map((b) => [b, true]));
  let next = 0;

  const probeAll = async () => {
    await Promise.all(
      opts.backends.map(async (b) => {
        const now = await probe(b, connectTimeoutMs);
        if (up.get(b) !== now) log(`backend ${b.host}:${b.port} is ${now ? 'up' : 'down'}`);
        up.set(b, now);
      }),
    );
  };
  await probeAll();
  const timer = setInterval(() => void probeAll(), opts.probeIntervalMs ?? 1000);
  timer.unref();

  const candidates = (): Backend[] => {
    const healthy = opts.backends.filter((b) => up.get(b));
    const pool = healthy.length > 0 ? healthy : opts.backends;
    const start = next++ % pool.length;
    const rotated = [...pool.slice(start), ...pool.slice(0, start)];
    // Last resort, after every healthy one: a backend the probe last saw down may be back already
    // (it probes once a second), and the healthy ones may have just died.
    return healthy.length > 0 ? [...rotated, ...opts.backends.filter((b) => !up.get(b))] : rotated;
  };

  const forward = (client: Socket, tries: Backend[]) => {
    const backend = tries.shift();
    if (!backend) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: backend.host, port: backend.port });
    upstream.setTimeout(connectTimeoutMs, () => upstream.destroy(new Error('connect timeout')));
    const onConnectError = () => {
      up.set(backend, false);
      forward(client, tries);
    };
    upstream.once('error', onConnectError);
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      upstream.off('error', onConnectError);
      // A peer that went away mid-stream: finish the other side gracefully (a reset would lose what
      // is still buffered for it).
      upstream.on('error', () => client.end());
      client.on('error', () => upstream.end());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    client.on('error', () => client.destroy());
    forward(client, candidates());
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolveListen());
  });
  return {
    server,
    healthy: () => opts.backends.filter((b) => up.get(b)),
    close: () => {
      clearInterval(timer);
      return new Promise((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
