/**
 * `./skiff bench ingress [--requests=N] [--concurrency=C] [--port=P]`: requests/s and p99 through the
 * built-in ingress to ONE backend, beside the same load sent straight to that backend in the same run.
 *
 * The backend is a real container of the example app (skiff/web:v1, busybox httpd) on the local
 * Docker engine's bridge, so it has its own address as a pod does, and the ingress reaches it the way
 * it reaches a pod: by IP and target port. The ingress is the controller's own data path (IngressProxy
 * with a routing table built by buildRoutingTable from a Service and an EndpointSlice naming the
 * container) in a worker thread, so it has an event loop of its own as in its process on a node; no
 * apiserver is needed, since none sits on the data path. The load comes from the repo's runPhase
 * (the same generator as `bench api`, keep-alive clients, every latency kept for the percentile):
 * the two paths are measured in halves, direct → ingress → ingress → direct, so drift in the
 * machine's load is charged to neither.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Docker from 'dockerode';
import type { EndpointSlice, Ingress, Service } from '@skiff/api';
import { IngressProxy, buildRoutingTable, createIngressMetrics } from '@skiff/ingress';
import { createLogger, createMetricsRegistry } from '@skiff/log';
import { parseIntegerFlags } from './bench-tools.ts';
import { runPhase, summarizePhase, type PhaseResult } from './latency-stats.ts';

const usage = 'usage: skiff bench ingress [--requests=N (default 6000)] [--concurrency=C (default 16)] [--port=P (default 24280)]';
const IMAGE = 'skiff/web:v1';
const HOST = 'bench.ingress.test';
const WARMUP = 300;

/** --requests, --concurrency, --port: integers within bounds, or an error with the usage. */
function parseIngressBenchArgs(args: string[]) {
  return parseIntegerFlags(
    args,
    {
      requests: { default: 6000, min: 100, max: 1_000_000 },
      concurrency: { default: 16, min: 1, max: 1024 },
      port: { default: 24280, min: 1024, max: 65535 },
    },
    usage,
  );
}

/** The backend: one container of the example app on Docker's default bridge; its address. */
async function startBackend(docker: Docker, name: string): Promise<string> {
  const container = await docker.createContainer({ name, Image: IMAGE, HostConfig: { AutoRemove: true } });
  await container.start();
  const info = await container.inspect();
  const ip = Object.values(info.NetworkSettings.Networks ?? {})
    .map((n) => n.IPAddress)
    .find(Boolean);
  if (!ip) throw new Error(`container ${name} has no address on a Docker network`);
  return ip;
}

/** The Ingress, Service and EndpointSlice a cluster would hold for one backend pod at ip:8080. */
function routingFor(ip: string) {
  const ingress = {
    metadata: { name: 'bench', namespace: 'bench', creationTimestamp: new Date().toISOString() },
    spec: { rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }] },
  } as Ingress;
  const service = { metadata: { name: 'web', namespace: 'bench' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } as Service;
  const slice = {
    metadata: { name: 'web-1', namespace: 'bench', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
  } as EndpointSlice;
  return buildRoutingTable({ ingresses: [ingress], services: [service], slices: [slice] });
}

/** The worker: the ingress data path on 127.0.0.1:port for the backend at workerData.ip. */
function serveIngressInWorker(): void {
  const { ip, port } = workerData as { ip: string; port: number };
  const proxy = new IngressProxy(createIngressMetrics(createMetricsRegistry('ingress-bench')), createLogger('ingress-bench', 'warn'));
  proxy.setTable(routingFor(ip));
  const server = createServer();
  proxy.attach(server, 'http', port);
  server.listen(port, '127.0.0.1', () => parentPort!.postMessage((server.address() as AddressInfo).port));
}

function get(agent: Agent, port: number, host: string, hostHeader: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent, headers: { host: hostHeader } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode} from ${host}:${port}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

function merge(label: string, a: PhaseResult, b: PhaseResult): PhaseResult {
  return {
    label,
    concurrency: a.concurrency,
    count: a.count + b.count,
    elapsedMs: a.elapsedMs + b.elapsedMs,
    latenciesMs: [...a.latenciesMs, ...b.latenciesMs],
  };
}

export async function runIngressBench(args: string[]): Promise<void> {
  const opts = parseIngressBenchArgs(args);
  const name = `skiff-bench-ingress-${process.pid}`;
  const docker = new Docker();
  let worker: Worker | undefined;
  try {
    const ip = await startBackend(docker, name);
    const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
    const direct = () => get(agent, 8080, ip, HOST);
    const viaIngress = () => get(agent, opts.port, '127.0.0.1', HOST);
    // The backend answers once httpd is up.
    for (let i = 0; ; i++) {
      try {
        await direct();
        break;
      } catch (err) {
        if (i > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    worker = new Worker(new URL(import.meta.url), { workerData: { role: 'ingress-bench-proxy', ip, port: opts.port } });
    await new Promise<void>((resolve, reject) => {
      worker!.once('message', () => resolve());
      worker!.once('error', reject);
    });
    console.log(
      `ingress bench: backend ${IMAGE} at ${ip}:8080 (container ${name}), ingress on 127.0.0.1:${opts.port}, ${opts.requests} requests per path at concurrency ${opts.concurrency}`,
    );

    await runPhase('warm-up direct', WARMUP, opts.concurrency, direct);
    await runPhase('warm-up ingress', WARMUP, opts.concurrency, viaIngress);
    const half = Math.ceil(opts.requests / 2);
    const progress = (label: string) => (done: number) => console.log(`  ${label}: ${done}/${half} (${Math.round((100 * done) / half)}%)`);
    const d1 = await runPhase('direct', half, opts.concurrency, direct, progress('direct 1/2'));
    const i1 = await runPhase('ingress', half, opts.concurrency, viaIngress, progress('ingress 1/2'));
    const i2 = await runPhase('ingress', half, opts.concurrency, viaIngress, progress('ingress 2/2'));
    const d2 = await runPhase('direct', half, opts.concurrency, direct, progress('direct 2/2'));
    agent.destroy();

    const d = summarizePhase(merge('direct', d1, d2));
    const g = summarizePhase(merge('ingress', i1, i2));
    console.log(`direct to the pod:   ${d.perSecond.toFixed(0)} req/s, p50 ${d.p50Ms.toFixed(2)} ms, p99 ${d.p99Ms.toFixed(2)} ms`);
    console.log(`through the ingress: ${g.perSecond.toFixed(0)} req/s, p50 ${g.p50Ms.toFixed(2)} ms, p99 ${g.p99Ms.toFixed(2)} ms`);
    console.log(
      `RESULT ingress rps=${g.perSecond.toFixed(0)} direct_rps=${d.perSecond.toFixed(0)} ratio=${(g.perSecond / d.perSecond).toFixed(2)} p99_ms=${g.p99Ms.toFixed(2)} direct_p99_ms=${d.p99Ms.toFixed(2)}`,
    );
  } finally {
    await worker?.terminate();
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => {});
  }
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === 'ingress-bench-proxy') serveIngressInWorker();
