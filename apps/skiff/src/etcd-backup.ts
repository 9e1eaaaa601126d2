/**
 * `skiff etcd snapshot [FILE]` and `skiff etcd restore FILE [--data-dir DIR]`, with Debian's
 * etcdctl (etcd-client). The whole cluster state is etcd, so a snapshot is a complete backup
 * (Secrets stay encrypted in it: keep pki/encryption.key too, or they cannot be read back).
 *
 * Restore never touches the live data dir: it writes a new one beside it and prints the
 * steps to swap it in, and it refuses while etcd or the apiserver runs, as kubeadm's and
 * etcd's own guides ask (a restored member is a new cluster; the old one must be gone).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { etcdPkiFiles } from '@skiff/pki';
import { getEtcdComponent, getEtcdEndpoint, getEtcdPeerUrl, getServerRole } from './components.ts';
import { resolveSkiffPaths, resolveSkiffPorts, type SkiffPaths, type SkiffPorts } from './paths.ts';
import { findRunningPid } from './processes.ts';
import { UsageError } from './usage.ts';

export type EtcdTls = { cacert?: string; cert?: string; key?: string };

function tlsArgs(tls: EtcdTls): string[] {
  return [...(tls.cacert ? [`--cacert=${tls.cacert}`] : []), ...(tls.cert ? [`--cert=${tls.cert}`] : []), ...(tls.key ? [`--key=${tls.key}`] : [])];
}

/** The operator's etcd client certificate (pki/etcd/healthcheck-client.crt) and the etcd CA, as etcdctl flags. */
export function etcdctlTls(pkiDir: string): EtcdTls {
  const files = etcdPkiFiles(pkiDir);
  return { cacert: files.caCert, cert: files.healthcheckClientCert, key: files.healthcheckClientKey };
}

/**
 * A member first started before etcd had TLS keeps its http:// peer URL in the cluster's membership
 * (the data dir outlives --initial-advertise-peer-urls): `etcdctl member update` moves it to https://.
 * A single member never dials its peer URL, so this is tidiness, but a member added later would.
 */
export async function upgradeEtcdPeerUrl(paths: SkiffPaths, ports: SkiffPorts, progress: (line: string) => void): Promise<void> {
  const base = [`--endpoints=${getEtcdEndpoint(paths, ports)}`, ...tlsArgs(etcdctlTls(paths.pkiDir))];
  const peerUrl = getEtcdPeerUrl(paths, ports);
  // Lines of `member list`: ID, status, name, peer URLs, client URLs, is learner.
  const line = (await etcdctl([...base, 'member', 'list']))
    .split('\n')
    .map((l) => l.split(', '))
    .find((cols) => cols[2] === 'skiff');
  if (!line || line[3] === peerUrl) return;
  await etcdctl([...base, 'member', 'update', line[0]!, `--peer-urls=${peerUrl}`]);
  progress(`etcd: member peer URL ${line[3]} -> ${peerUrl}`);
}

/** Runs etcdctl (API v3) and returns its output; a failure throws with etcdctl's own words. */
export function etcdctl(args: string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.env.SKIFF_ETCDCTL_BIN ?? 'etcdctl', args, { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', (err) => reject(new Error(`cannot run etcdctl (Debian package etcd-client; ./skiff installs it): ${err.message}`)));
    child.once('close', (code) => (code === 0 ? resolveRun(out) : reject(new Error(`etcdctl ${args.join(' ')} failed (exit ${code}):\n${out.trim()}`))));
  });
}

/** `etcdctl snapshot save`: a consistent point-in-time copy of the keyspace. */
export async function snapshotEtcd(opts: { endpoint: string; file: string; tls?: EtcdTls }): Promise<void> {
  await mkdir(dirname(opts.file), { recursive: true });
  await etcdctl([`--endpoints=${opts.endpoint}`, ...tlsArgs(opts.tls ?? {}), 'snapshot', 'save', opts.file]);
}

/** `etcdctl snapshot restore` into `dataDir`, which must not exist yet: one member named `name` at `peerUrl`. */
export async function restoreEtcd(opts: { file: string; dataDir: string; name: string; peerUrl: string; clusterToken?: string }): Promise<void> {
  if (!existsSync(opts.file)) throw new Error(`restore: no snapshot at ${opts.file}`);
  if (existsSync(opts.dataDir)) throw new Error(`restore: ${opts.dataDir} exists; restore needs a new data dir`);
  await etcdctl([
    'snapshot',
    'restore',
    opts.file,
    `--data-dir=${opts.dataDir}`,
    `--name=${opts.name}`,
    `--initial-cluster=${opts.name}=${opts.peerUrl}`,
    `--initial-advertise-peer-urls=${opts.peerUrl}`,
    `--initial-cluster-token=${opts.clusterToken ?? 'skiff'}`,
  ]);
}

function stamp(now = new Date()): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

export async function runEtcd(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = inline ?? rest[++i];
    if (!['endpoints', 'cacert', 'cert', 'key', 'data-dir'].includes(flag) || value === undefined)
      throw new UsageError(`unknown flag or missing value: --${flag}`);
    flags[flag] = value;
  }
  const paths = resolveSkiffPaths();
  const ports = resolveSkiffPorts();

  if (sub === 'snapshot') {
    const file = resolve(positional[0] ?? join(paths.home, 'backups', `etcd-${stamp()}.db`));
    const endpoint = flags.endpoints ?? getEtcdEndpoint(paths, ports);
    // etcd wants a client certificate of its own CA: by default the operator's, from the pki dir.
    const given = flags.cacert ?? flags.cert ?? flags.key;
    const tls = given !== undefined || !endpoint.startsWith('https:') ? { cacert: flags.cacert, cert: flags.cert, key: flags.key } : etcdctlTls(paths.pkiDir);
    await snapshotEtcd({ endpoint, file, tls });
    console.log(`etcd snapshot of ${endpoint} saved to ${file}`);
    console.log(`keep it with ${join(paths.pkiDir, 'encryption.key')}: Secrets in the snapshot are encrypted with it`);
    return 0;
  }
  if (sub === 'restore') {
    const file = positional[0];
    if (!file) throw new UsageError('restore wants a snapshot FILE');
    const etcd = getEtcdComponent(paths, ports);
    const server = getServerRole(paths, ports, { caCert: async () => '' });
    for (const proc of [etcd, server]) {
      const pid = await findRunningPid(proc);
      if (pid !== undefined) throw new Error(`restore: ${proc.name} is running (pid ${pid}); stop the cluster first: ./skiff down`);
    }
    const dataDir = resolve(flags['data-dir'] ?? `${paths.etcdDataDir}.restored-${stamp()}`);
    await restoreEtcd({ file: resolve(file), dataDir, name: 'skiff', peerUrl: getEtcdPeerUrl(paths, ports) });
    console.log(`restored ${resolve(file)} into ${dataDir}. To run the cluster on it:`);
    console.log(`  mv ${paths.etcdDataDir} ${paths.etcdDataDir}.old-${stamp()}`);
    console.log(`  mv ${dataDir} ${paths.etcdDataDir}`);
    console.log('  ./skiff up');
    console.log('then check: ./skiff kubectl get nodes,pods -A  (nodes re-register; the kubelets reconcile their containers)');
    return 0;
  }
  throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`);
}
