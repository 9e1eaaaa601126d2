/**
 * `./skiff up` as a user runs it, on ports of its own (29100-29199) in a temp SKIFF_HOME: the
 * control plane is two processes, etcd and the server role (apiserver, controller-manager and
 * scheduler in one), plus the hollow kubelet asked for; `status` names each component with the
 * process it runs in; a killed server makes `status` fail until `up` starts it again; `down`
 * leaves nothing running. (The agent role runs the lab's nodes in the end-to-end suite; here,
 * --no-node keeps this host's Docker, bridge and iptables out of it.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness/index.ts';

const home = mkdtempSync(join(tmpdir(), 'skiff-up-test-'));
const env = {
  ...process.env,
  SKIFF_HOME: home,
  KUBECONFIG: '',
  SKIFF_ETCD_CLIENT_PORT: '29101',
  SKIFF_ETCD_PEER_PORT: '29102',
  SKIFF_APISERVER_PORT: '29103',
  SKIFF_CONTROLLER_MANAGER_PORT: '29104',
  SKIFF_SCHEDULER_PORT: '29105',
  SKIFF_KUBELET_HOLLOW_PORT: '29106',
};

function skiff(args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'apps/skiff/src/main.ts'), ...args], { env, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** Live processes whose command line names this SKIFF_HOME, by their first distinguishing word. */
function ourProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline: string[];
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!cmdline.some((a) => a.includes(home))) continue;
    if (cmdline[0]?.endsWith('etcd')) found.push('etcd');
    else if (cmdline.includes('server')) found.push('server');
    else if (cmdline.includes('agent')) found.push('agent');
    else if (cmdline.includes('run')) found.push(`run ${cmdline[cmdline.indexOf('run') + 1]}`);
    else found.push(cmdline.join(' '));
  }
  return found.sort();
}

/** `status` rows: component → [process, running, healthy]. */
function statusRows(out: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const [name, proc, , running, healthy] = line.trim().split(/\s+/);
    if (name && proc && ['apiserver', 'controller-manager', 'scheduler', 'etcd', 'kubelet-hollow', 'kubelet', 'kube-proxy', 'dns'].includes(name)) {
      rows.set(name, [proc, running ?? '', healthy ?? '']);
    }
  }
  return rows;
}

describe('./skiff up: etcd and one server process', { timeout: 300_000 }, () => {
  before(() => {
    const up = skiff(['up', '--no-node', '--hollow-nodes', '2']);
    assert.equal(up.code, 0, up.out);
  });
  after(() => {
    skiff(['down', '--purge']);
    rmSync(home, { recursive: true, force: true });
  });

  it('runs the control plane as two processes and reports every component by name', () => {
    assert.deepEqual(ourProcesses(), ['etcd', 'run kubelet', 'server']);
    const status = skiff(['status']);
    assert.equal(status.code, 0, status.out);
    const rows = statusRows(status.out);
    for (const name of ['apiserver', 'controller-manager', 'scheduler']) assert.deepEqual(rows.get(name), ['server', 'yes', 'yes'], `${name}: ${status.out}`);
    assert.deepEqual(rows.get('etcd'), ['etcd', 'yes', 'yes']);
    assert.deepEqual(rows.get('kubelet-hollow'), ['kubelet-hollow', 'yes', 'yes']);
    assert.match(status.out, /NODES: 2 /);
  });

  it('a killed server fails status until up starts it again', () => {
    const pid = Number(readFileSync(join(home, 'run', 'server.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    const down = skiff(['status']);
    assert.equal(down.code, 1, down.out);
    assert.deepEqual(statusRows(down.out).get('scheduler')?.slice(1), ['no', 'no']);
    const up = skiff(['up', '--no-node']);
    assert.equal(up.code, 0, up.out);
    assert.match(up.out, /server: started/);
    assert.equal(skiff(['status']).code, 0);
    assert.notEqual(Number(readFileSync(join(home, 'run', 'server.pid'), 'utf8').trim()), pid);
  });

  it('down stops every process it started', () => {
    const down = skiff(['down']);
    assert.equal(down.code, 0, down.out);
    assert.deepEqual(ourProcesses(), []);
  });
});
