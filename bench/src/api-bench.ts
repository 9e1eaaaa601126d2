/**
 * `./skiff bench api`: how much the apiserver costs per write. It POSTs small pods over
 * HTTPS (keep-alive, client certificate) and, as the baseline, puts the same JSON straight
 * into the same etcd with etcd3, at concurrency 1 and 32.
 */
import { Agent } from 'node:https';
import { parseArgs } from 'node:util';
import { Etcd3 } from 'etcd3';
import { apiRequest, startTestCluster, type TestCluster } from '@skiff/test/harness';
import { runPhase, summarizePhase, type PhaseResult } from './latency-stats.ts';

const CONCURRENCIES = [1, 32];
const WARMUP = 100;

const usage = 'usage: skiff bench api [--requests=N (default 2000)] [--base-port=P (default 22050)]';

const podFor = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'bench', labels: { app: 'bench' } },
  spec: { containers: [{ name: 'app', image: 'registry.local/web:1', ports: [{ containerPort: 80 }] }] },
});

function parseBenchArgs(args: string[]): { requests: number; basePort: number } {
  const { values } = parseArgs({ args, options: { requests: { type: 'string' }, 'base-port': { type: 'string' } } });
  const requests = Number(values.requests ?? 2000);
  const basePort = Number(values['base-port'] ?? 22050);
  if (!Number.isInteger(requests) || requests < 1) throw new Error(`--requests: want a positive integer\n${usage}`);
  if (!Number.isInteger(basePort) || basePort < 1024) throw new Error(`--base-port: want a port number\n${usage}`);
  return { requests, basePort };
}

const progress = (label: string, total: number) => (done: number) =>
  console.log(`  ${label}: ${done}/${total} (${Math.round((100 * done) / total)}%)`);

async function benchApiWrites(cluster: TestCluster, concurrency: number, count: number, prefix: string): Promise<PhaseResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const path = '/api/v1/namespaces/bench/pods';
    return await runPhase(
      'apiserver POST',
      count,
      concurrency,
      async (i) => {
        const res = await apiRequest(cluster.admin, 'POST', path, { body: podFor(`${prefix}-${i}`), agent });
        if (res.status !== 201) throw new Error(`POST ${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
      },
      progress(`apiserver POST c=${concurrency}`, count),
    );
  } finally {
    agent.destroy();
  }
}

async function benchEtcdPuts(etcd: Etcd3, concurrency: number, count: number, prefix: string): Promise<PhaseResult> {
  return runPhase(
    'etcd put',
    count,
    concurrency,
    async (i) => {
      // The same JSON a POST carries, under a key of its own so it never meets the apiserver's.
      await etcd.put(`/skiff-bench/pods/bench/${prefix}-${i}`).value(JSON.stringify(podFor(`${prefix}-${i}`)));
    },
    progress(`etcd put c=${concurrency}`, count),
  );
}

function formatRow(result: PhaseResult): string {
  const s = summarizePhase(result);
  return `${result.label.padEnd(16)} ${String(result.concurrency).padStart(4)} ${s.perSecond.toFixed(0).padStart(9)} ${s.p50Ms.toFixed(2).padStart(9)} ${s.p99Ms.toFixed(2).padStart(9)}`;
}

export async function runApiBench(args: string[]): Promise<void> {
  const { requests, basePort } = parseBenchArgs(args);
  console.log(`starting a 1-member etcd and the apiserver (ports ${basePort}-${basePort + 1}, ${basePort + 100})...`);
  const cluster = await startTestCluster({ basePort, etcdMembers: 1 });
  const etcd = new Etcd3({ hosts: cluster.etcd.endpoints });
  const onSignal = () => void cluster.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    const ns = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } } });
    if (ns.status !== 201) throw new Error(`creating namespace bench: HTTP ${ns.status}: ${ns.body.slice(0, 300)}`);
    // Warm TLS sessions, the JIT and etcd's first writes so neither side pays start-up costs.
    await benchApiWrites(cluster, 8, WARMUP, 'warmup');
    await benchEtcdPuts(etcd, 8, WARMUP, 'warmup');

    const results: { api: PhaseResult; etcd: PhaseResult }[] = [];
    for (const concurrency of CONCURRENCIES) {
      console.log(`concurrency ${concurrency}: ${requests} writes each`);
      const api = await benchApiWrites(cluster, concurrency, requests, `c${concurrency}`);
      const raw = await benchEtcdPuts(etcd, concurrency, requests, `c${concurrency}`);
      results.push({ api, etcd: raw });
    }

    console.log('');
    console.log(`API writes vs raw etcd puts: ${requests} small pods per row, 1-member etcd, same machine`);
    console.log(`${'what'.padEnd(16)} ${'conc'.padStart(4)} ${'writes/s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`);
    for (const { api, etcd: raw } of results) {
      console.log(formatRow(api));
      console.log(formatRow(raw));
      const ratio = summarizePhase(api).perSecond / summarizePhase(raw).perSecond;
      console.log(`${'ratio api/etcd'.padEnd(16)} ${String(api.concurrency).padStart(4)} ${ratio.toFixed(2).padStart(9)}`);
    }
    const last = results[results.length - 1];
    const apiRate = summarizePhase(last.api).perSecond;
    const etcdRate = summarizePhase(last.etcd).perSecond;
    console.log(`RESULT api writes_per_s=${apiRate.toFixed(0)} etcd_puts_per_s=${etcdRate.toFixed(0)} ratio=${(apiRate / etcdRate).toFixed(2)}`);
  } finally {
    process.off('SIGINT', onSignal);
    etcd.close();
    await cluster.stop();
  }
}
