/**
 * `./skiff bench api`: how much the apiserver costs per write. It POSTs small pods over
 * HTTPS (keep-alive, client certificate) and, as the baseline, puts the same JSON straight
 * into the same etcd with etcd3, at concurrency 1 and 32. The same POSTs again as `bench-user`,
 * whom only a namespaced Role allows, measure what authorization costs: the admin is allowed
 * by its first rule (system:masters), bench-user only after RBAC walks the bindings.
 * Custom objects of a validation-heavy CRD beside ConfigMaps of the same bytes measure what
 * schema validation costs (crd_ratio; see api-crd.ts).
 */
import { Agent } from 'node:https';
import { parseArgs } from 'node:util';
import { Etcd3 } from 'etcd3';
import { apiRequest, identityFor, startTestCluster, type ApiTarget, type TestCluster } from '@skiff/test/harness';
import { runPhase, summarizePhase, type PhaseResult } from './latency-stats.ts';
import { CONFIGMAPS_PATH, WIDGETS_PATH, certRequestFor, configMapFor, installCertRequestCrd } from './api-crd.ts';

const CONCURRENCIES = [1, 32];
const WARMUP = 100;

const usage = 'usage: skiff bench api [--requests=N (default 2000)] [--base-port=P (default 22050)] [--api-port=P (default base+100)]';

const podFor = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'bench', labels: { app: 'bench' } },
  spec: { containers: [{ name: 'app', image: 'registry.local/web:1', ports: [{ containerPort: 80 }] }] },
});

function parseBenchArgs(args: string[]): { requests: number; basePort: number; apiPort: number } {
  const { values } = parseArgs({ args, options: { requests: { type: 'string' }, 'base-port': { type: 'string' }, 'api-port': { type: 'string' } } });
  const requests = Number(values.requests ?? 2000);
  const basePort = Number(values['base-port'] ?? 22050);
  const apiPort = Number(values['api-port'] ?? basePort + 100);
  if (!Number.isInteger(requests) || requests < 1) throw new Error(`--requests: want a positive integer\n${usage}`);
  if (!Number.isInteger(basePort) || basePort < 1024) throw new Error(`--base-port: want a port number\n${usage}`);
  if (!Number.isInteger(apiPort) || apiPort < 1024) throw new Error(`--api-port: want a port number\n${usage}`);
  return { requests, basePort, apiPort };
}

const progress = (label: string, total: number) => (done: number) => console.log(`  ${label}: ${done}/${total} (${Math.round((100 * done) / total)}%)`);

/** What one phase POSTs: the collection, and the object for write i. */
interface WriteKind {
  path: string;
  body: (name: string) => unknown;
}
const pods: WriteKind = { path: '/api/v1/namespaces/bench/pods', body: podFor };
const configMaps: WriteKind = { path: CONFIGMAPS_PATH, body: configMapFor };
const certRequests: WriteKind = { path: WIDGETS_PATH, body: certRequestFor };

async function benchApiWrites(
  target: ApiTarget,
  label: string,
  concurrency: number,
  count: number,
  prefix: string,
  kind: WriteKind = pods,
): Promise<PhaseResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const { path } = kind;
    return await runPhase(
      label,
      count,
      concurrency,
      async (i) => {
        const res = await apiRequest(target, 'POST', path, { body: kind.body(`${prefix}-${i}`), agent });
        if (res.status !== 201) throw new Error(`POST ${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
      },
      progress(`${label} c=${concurrency}`, count),
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

/** `bench-user`: a client certificate with no groups and a Role for pods and configmaps in `bench` only. */
async function rbacBenchUser(cluster: TestCluster): Promise<ApiTarget> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/bench';
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'bench-writer', namespace: 'bench' },
    rules: [{ apiGroups: [''], resources: ['pods', 'configmaps'], verbs: ['create', 'get', 'list', 'delete'] }],
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bench-writer', namespace: 'bench' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bench-writer' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bench-user' }],
  };
  for (const [path, body] of [
    [`${rbac}/roles`, role],
    [`${rbac}/rolebindings`, binding],
  ] as const) {
    const res = await apiRequest(cluster.admin, 'POST', path, { body });
    if (res.status !== 201) throw new Error(`POST ${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  }
  return (await identityFor(cluster, 'bench-user')).target;
}

/** Two runs of one phase as one: their writes, their time and their latencies together. */
function combinePhases(a: PhaseResult, b: PhaseResult): PhaseResult {
  return { ...a, count: a.count + b.count, elapsedMs: a.elapsedMs + b.elapsedMs, latenciesMs: [...a.latenciesMs, ...b.latenciesMs] };
}

function formatRow(result: PhaseResult): string {
  const s = summarizePhase(result);
  return `${result.label.padEnd(16)} ${String(result.concurrency).padStart(4)} ${s.perSecond.toFixed(0).padStart(9)} ${s.p50Ms.toFixed(2).padStart(9)} ${s.p99Ms.toFixed(2).padStart(9)}`;
}

export async function runApiBench(args: string[]): Promise<void> {
  const { requests, basePort, apiPort } = parseBenchArgs(args);
  console.log(`starting a 1-member etcd and the apiserver (ports ${basePort}-${basePort + 1}, ${apiPort})...`);
  const cluster = await startTestCluster({ basePort, etcdMembers: 1, apiServerPort: apiPort });
  const etcd = new Etcd3({ hosts: cluster.etcd.endpoints });
  const onSignal = () => void cluster.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    const ns = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } } });
    if (ns.status !== 201) throw new Error(`creating namespace bench: HTTP ${ns.status}: ${ns.body.slice(0, 300)}`);
    const benchUser = await rbacBenchUser(cluster);
    await installCertRequestCrd(cluster.admin);
    // Warm TLS sessions, the JIT and etcd's first writes so neither side pays start-up costs.
    await benchApiWrites(cluster.admin, 'apiserver POST', 8, WARMUP, 'warmup');
    await benchApiWrites(benchUser, 'POST with RBAC', 8, WARMUP, 'warmup-rbac');
    await benchApiWrites(cluster.admin, 'ConfigMap POST', 8, WARMUP, 'warmup', configMaps);
    await benchApiWrites(cluster.admin, 'custom POST', 8, WARMUP, 'warmup', certRequests);
    await benchEtcdPuts(etcd, 8, WARMUP, 'warmup');

    const results: { api: PhaseResult; rbac: PhaseResult; etcd: PhaseResult; cm: PhaseResult; custom: PhaseResult }[] = [];
    for (const concurrency of CONCURRENCIES) {
      console.log(`concurrency ${concurrency}: ${requests} writes each`);
      // Admin, RBAC, RBAC, admin in halves: each write lands on a fuller etcd and bigger caches than
      // the one before, so running one identity first would charge that growth to the other.
      const half = Math.ceil(requests / 2);
      const api1 = await benchApiWrites(cluster.admin, 'apiserver POST', concurrency, half, `c${concurrency}-a`);
      const rbac1 = await benchApiWrites(benchUser, 'POST with RBAC', concurrency, half, `c${concurrency}-rbac-a`);
      const rbac2 = await benchApiWrites(benchUser, 'POST with RBAC', concurrency, half, `c${concurrency}-rbac-b`);
      const api2 = await benchApiWrites(cluster.admin, 'apiserver POST', concurrency, half, `c${concurrency}-b`);
      const api = combinePhases(api1, api2);
      const rbac = combinePhases(rbac1, rbac2);
      // The same halves for ConfigMaps and custom objects of the same bytes.
      const cm1 = await benchApiWrites(cluster.admin, 'ConfigMap POST', concurrency, half, `c${concurrency}-a`, configMaps);
      const custom1 = await benchApiWrites(cluster.admin, 'custom POST', concurrency, half, `c${concurrency}-a`, certRequests);
      const custom2 = await benchApiWrites(cluster.admin, 'custom POST', concurrency, half, `c${concurrency}-b`, certRequests);
      const cm2 = await benchApiWrites(cluster.admin, 'ConfigMap POST', concurrency, half, `c${concurrency}-b`, configMaps);
      const raw = await benchEtcdPuts(etcd, concurrency, requests, `c${concurrency}`);
      results.push({ api, rbac, etcd: raw, cm: combinePhases(cm1, cm2), custom: combinePhases(custom1, custom2) });
    }

    console.log('');
    console.log(`API writes vs raw etcd puts: ${requests} small pods (ConfigMaps, custom objects) per row, 1-member etcd, same machine`);
    console.log(`${'what'.padEnd(16)} ${'conc'.padStart(4)} ${'writes/s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`);
    const ratioRow = (label: string, concurrency: number, ratio: number) =>
      console.log(`${label.padEnd(16)} ${String(concurrency).padStart(4)} ${ratio.toFixed(2).padStart(9)}`);
    for (const { api, rbac, etcd: raw, cm, custom } of results) {
      console.log(formatRow(api));
      console.log(formatRow(rbac));
      console.log(formatRow(raw));
      console.log(formatRow(cm));
      console.log(formatRow(custom));
      ratioRow('ratio api/etcd', api.concurrency, summarizePhase(api).perSecond / summarizePhase(raw).perSecond);
      ratioRow('ratio rbac/admin', api.concurrency, summarizePhase(rbac).perSecond / summarizePhase(api).perSecond);
      ratioRow('ratio custom/cm', api.concurrency, summarizePhase(custom).perSecond / summarizePhase(cm).perSecond);
    }
    const last = results[results.length - 1];
    const apiRate = summarizePhase(last.api).perSecond;
    const rbacRate = summarizePhase(last.rbac).perSecond;
    const etcdRate = summarizePhase(last.etcd).perSecond;
    const cmRate = summarizePhase(last.cm).perSecond;
    const customRate = summarizePhase(last.custom).perSecond;
    console.log(
      `RESULT api writes_per_s=${apiRate.toFixed(0)} etcd_puts_per_s=${etcdRate.toFixed(0)} ratio=${(apiRate / etcdRate).toFixed(2)}` +
        ` rbac_writes_per_s=${rbacRate.toFixed(0)} rbac_ratio=${(rbacRate / apiRate).toFixed(2)}` +
        ` cm_writes_per_s=${cmRate.toFixed(0)} crd_writes_per_s=${customRate.toFixed(0)} crd_ratio=${(customRate / cmRate).toFixed(2)}`,
    );
  } finally {
    process.off('SIGINT', onSignal);
    etcd.close();
    await cluster.stop();
  }
}
