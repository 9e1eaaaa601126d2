/**
 * A role process as `./skiff up` and the lab start it (`skiff server --config=FILE
 * --restart-on-failure --pid-file=FILE`): its components run side by side in one process; one of
 * them failing takes the whole process down and the process starts its successor, which runs
 * the role anew from its file; SIGTERM stops it for good. Ports 28900-28999.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eventually, REPO_ROOT, startTestCluster, type TestCluster } from '../harness/index.ts';

const BASE_PORT = 28900;
const CM_PORT = BASE_PORT + 50;
const SCHEDULER_PORT = BASE_PORT + 51;

type RoleConfig = { role: 'server' | 'agent'; components: Array<{ name: string; flags: string[] }> };
type RolesModule = {
  roleCommand(file: string, role: 'server' | 'agent', opts: { restartOnFailure?: boolean; pidFile?: string }): { command: string; args: string[] };
};
/** The launcher's check: alive (an exited child nobody reaped is not) and carrying `marker` on its command line. */
type ProcessesModule = { isOurProcess(pid: number, marker: string): boolean };
const launcher = (path: string) => import(pathToFileURL(join(REPO_ROOT, 'apps/skiff/src', path)).href);
const roles = (await launcher('roles/roles.ts')) as RolesModule;
const { isOurProcess } = (await launcher('processes.ts')) as ProcessesModule;

async function healthz(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

describe('a role process: one process, a failing component restarts it whole', { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let configFile: string;
  let pidFile: string;
  let logFile: string;
  const readPid = () => Number(readFileSync(pidFile, 'utf8').trim());
  const alive = (pid: number) => isOurProcess(pid, `--config=${configFile}`);

  const writeConfig = (schedulerKubeconfig: string) => {
    const config: RoleConfig = {
      role: 'server',
      components: [
        {
          name: 'controller-manager',
          flags: [`--kubeconfig=${cluster.kubeconfigPath}`, `--metrics-port=${CM_PORT}`, '--leader-elect=false', '--log-level=info'],
        },
        { name: 'scheduler', flags: [`--kubeconfig=${schedulerKubeconfig}`, `--metrics-port=${SCHEDULER_PORT}`, '--leader-elect=false', '--log-level=info'] },
      ],
    };
    writeFileSync(configFile, JSON.stringify(config));
  };

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1 });
    configFile = join(cluster.dir, 'server.json');
    pidFile = join(cluster.dir, 'server.pid');
    logFile = join(cluster.dir, 'server.log');
  });
  after(async () => {
    try {
      const pid = readPid();
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // Never started.
    }
    await cluster?.stop();
  });

  it('restarts the whole role when one component fails, and the successor runs both', async () => {
    // The scheduler's kubeconfig does not exist: it fails at once, and takes the controller-manager down with it.
    writeConfig(join(cluster.dir, 'missing.kubeconfig'));
    const { command, args } = roles.roleCommand(configFile, 'server', { restartOnFailure: true, pidFile });
    const log = openSync(logFile, 'a');
    const first = spawn(command, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', log, log], env: { ...process.env, SKIFF_LOG_LEVEL: 'info' } });
    closeSync(log);
    first.unref();
    const firstPid = first.pid!;
    const exited = await new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    assert.equal(exited, 1, 'a role whose component failed exits non-zero');
    assert.match(readFileSync(logFile, 'utf8'), /scheduler stopped on its own; stopping the rest of this process/);
    assert.equal(await healthz(CM_PORT), false, 'the controller-manager stopped with the process');

    // Fixed before the successor starts (it waits out ten seconds from the first start): it runs both.
    writeConfig(cluster.kubeconfigPath);
    await eventually(
      async () => {
        const pid = readPid();
        assert.notEqual(pid, firstPid);
        assert.ok(alive(pid));
        assert.ok(await healthz(CM_PORT), 'controller-manager healthy');
        assert.ok(await healthz(SCHEDULER_PORT), 'scheduler healthy');
      },
      40_000,
      250,
    );
    const cmdline = readFileSync(`/proc/${readPid()}/cmdline`, 'utf8').split('\0');
    assert.ok(cmdline.includes(`--config=${configFile}`), 'the successor has the same command line (the launcher finds it by its marker)');

    // SIGTERM is a stop, not a failure: no successor.
    const last = readPid();
    process.kill(last, 'SIGTERM');
    await eventually(async () => assert.equal(alive(last), false), 20_000, 100);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(readPid(), last, 'no successor after a SIGTERM');
    assert.equal(await healthz(CM_PORT), false);
  });
});
