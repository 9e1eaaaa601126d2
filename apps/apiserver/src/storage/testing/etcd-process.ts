/**
 * Test helper: real etcd members on fixed local ports, in temp dirs that are always removed.
 * (libs/etcd has the production starter; tests keep this small one so the storage layer's
 * tests depend on nothing but the etcd binary.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';

export interface TestMemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
}

export class TestEtcdMember {
  readonly spec: TestMemberSpec;
  readonly dataDir: string;
  private readonly initialCluster: string;
  private child: ChildProcess | undefined;

  constructor(spec: TestMemberSpec, initialCluster: string, dataDir: string) {
    this.spec = spec;
    this.initialCluster = initialCluster;
    this.dataDir = dataDir;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.spec.clientPort}`;
  }

  start(): void {
    const { name, clientPort, peerPort } = this.spec;
    this.child = spawn(
      '/usr/bin/etcd',
      [
        '--name',
        name,
        '--data-dir',
        this.dataDir,
        '--listen-client-urls',
        `http://127.0.0.1:${clientPort}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${clientPort}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${peerPort}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${peerPort}`,
        '--initial-cluster',
        this.initialCluster,
        '--initial-cluster-state',
        'new',
        '--heartbeat-interval',
        '50',
        '--election-timeout',
        '500',
      ],
      { stdio: 'ignore' },
    );
    // If the test process dies before its after() hook, do not leave etcd running.
    const child = this.child;
    const reap = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
  }

  /** SIGKILL, as a crashed machine would. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

export interface TestEtcdCluster {
  endpoints: string[];
  members: TestEtcdMember[];
  /** Resolves when a quorum read succeeds. */
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `size` members with client port base+2i+1 and peer port base+2i+2. */
export async function startTestEtcd(size: number, basePort: number): Promise<TestEtcdCluster> {
  const root = mkdtempSync(join(tmpdir(), 'skiff-storage-etcd-'));
  const specs = Array.from({ length: size }, (_, i) => ({ name: `s${i}`, clientPort: basePort + 2 * i + 1, peerPort: basePort + 2 * i + 2 }));
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
  const members = specs.map((s) => new TestEtcdMember(s, initialCluster, join(root, s.name)));
  const endpoints = members.map((m) => m.endpoint);
  const cluster: TestEtcdCluster = {
    endpoints,
    members,
    async waitReady(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      const client = new Etcd3({ hosts: endpoints });
      try {
        for (;;) {
          try {
            await client
              .get('/ready-probe')
              .options({ deadline: new Date(Date.now() + 1000) })
              .string();
            return;
          } catch (err) {
            if (Date.now() > deadline) throw new Error('etcd did not become ready', { cause: err });
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      } finally {
        client.close();
      }
    },
    async stop() {
      await Promise.all(members.map((m) => m.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    for (const m of members) m.start();
    await cluster.waitReady();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
