import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureComponentRunning,
  findRunningPid,
  isOurProcess,
  readLogTail,
  startDetached,
  stopProcess,
  type ComponentSpec,
  type ManagedProcess,
} from './processes.ts';

describe('processes', () => {
  let dir = '';
  const started: number[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-proc-'));
  });
  after(async () => {
    // Never leave a sleeper behind, even when an assertion failed half-way.
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    await rm(dir, { recursive: true, force: true });
  });

  const managed = (name: string): ManagedProcess => ({
    name,
    pidFile: join(dir, 'run', `${name}.pid`),
    logFile: join(dir, 'logs', `${name}.log`),
    marker: `skiff-test-marker-${name}-${process.pid}`,
  });

  // The child reports readiness in its log; the tests wait for it instead of racing its start-up.
  async function waitForLog(logFile: string, text: string): Promise<void> {
    for (let i = 0; i < 250; i++) {
      if ((await readLogTail(logFile)).includes(text)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`${logFile} never said ${text}`);
  }

  it('starts a detached process in its own session with a pid file and a log', async () => {
    const proc = managed('sleeper');
    const pid = await startDetached({ ...proc, command: 'bash', args: ['-c', 'echo "ready sid=$(ps -o sid= $$)"; sleep 30; :', proc.marker] });
    started.push(pid);
    assert.equal(Number((await readFile(proc.pidFile, 'utf8')).trim()), pid);
    await waitForLog(proc.logFile, 'ready');
    assert.match(await readLogTail(proc.logFile), new RegExp(`ready sid=\\s*${pid}\\b`), 'it leads its own session');
    assert.equal(await stopProcess(proc, 5_000), 'stopped');
  });

  it('tells the process its log file, and rotates a full log before it starts', async () => {
    const proc = managed('rotated');
    await mkdir(join(dir, 'logs'), { recursive: true });
    await writeFile(proc.logFile, "the last run's lines\n");
    const pid = await startDetached({
      ...proc,
      command: 'bash',
      args: ['-c', 'echo "log=$SKIFF_LOG_FILE"; sleep 30; :', proc.marker],
      env: { ...process.env, SKIFF_LOG_MAX_BYTES: '10', SKIFF_LOG_MAX_FILES: '2' },
    });
    started.push(pid);
    await waitForLog(proc.logFile, 'log=');
    assert.equal(await readFile(proc.logFile, 'utf8'), `log=${proc.logFile}\n`);
    assert.equal(await readFile(`${proc.logFile}.1`, 'utf8'), "the last run's lines\n");
    assert.equal(await stopProcess(proc, 5_000), 'stopped');
  });

  it('recognises its own process by the marker and stops it', async () => {
    const proc = managed('marked');
    // bash carries the marker as $0 in /proc/<pid>/cmdline; the trailing ':' keeps bash from exec'ing sleep.
    const bashPid = await startDetached({ ...proc, command: 'bash', args: ['-c', 'echo up; sleep 30; :', proc.marker] });
    started.push(bashPid);
    assert.ok(isOurProcess(bashPid, proc.marker));
    assert.equal(await findRunningPid(proc), bashPid);
    await waitForLog(proc.logFile, 'up');
    assert.equal(await stopProcess(proc, 5_000), 'stopped');
    assert.equal(isOurProcess(bashPid, proc.marker), false);
    assert.equal(existsSync(proc.pidFile), false);
  });

  it('falls back to SIGKILL when SIGTERM is ignored', async () => {
    const proc = managed('stubborn');
    const pid = await startDetached({ ...proc, command: 'bash', args: ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done', proc.marker] });
    started.push(pid);
    await waitForLog(proc.logFile, 'ready');
    assert.equal(await stopProcess(proc, 300), 'killed');
    assert.equal(isOurProcess(pid, proc.marker), false);
  });

  it('never signals a pid whose command line lacks the marker', async () => {
    const proc = managed('impostor');
    await mkdir(join(dir, 'run'), { recursive: true });
    await writeFile(proc.pidFile, `${process.pid}\n`); // this very test process: not ours to kill
    assert.equal(await findRunningPid(proc), undefined);
    assert.equal(await stopProcess(proc, 100), 'not-running');
    assert.equal(existsSync(proc.pidFile), false, 'the stale pid file is removed');
  });

  /**
   * A component as `up` sees it: healthy while its health file exists. The script turns healthy
   * after `startSeconds`, and on SIGTERM turns unhealthy at once but takes `stopSeconds` to exit,
   * like an apiserver draining its watches.
   */
  function component(name: string, startSeconds: number, stopSeconds: number): ComponentSpec & { health: string } {
    const proc = managed(name);
    const health = join(dir, `${name}.healthy`);
    const script = `trap 'rm -f "${health}"; sleep ${stopSeconds}; exit 0' TERM; sleep ${startSeconds}; echo $$ > "${health}"; echo ready; while :; do sleep 0.1; done`;
    return {
      ...proc,
      health,
      healthUrl: `file://${health}`,
      isHealthy: async () => existsSync(health),
      createStartOptions: () => ({ ...proc, command: 'bash', args: ['-c', script, proc.marker] }),
    };
  }

  async function untilHealthy(c: ComponentSpec): Promise<void> {
    for (let i = 0; i < 250 && !(await c.isHealthy()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(await c.isHealthy(), `${c.name} never turned healthy`);
  }

  // bash runs its trap once the current `sleep 0.1` ends: wait for the handler, as a Node component's runs at once.
  async function untilUnhealthy(c: ComponentSpec): Promise<void> {
    for (let i = 0; i < 100 && (await c.isHealthy()); i++) await new Promise((r) => setTimeout(r, 20));
  }

  it('waits for a component that is shutting down to exit, then starts it again', async () => {
    const c = component('draining', 0, 1.5);
    const lines: string[] = [];
    assert.equal(await ensureComponentRunning(c, { timeoutMs: 10_000, progress: (l) => lines.push(l) }), 'started');
    const old = (await findRunningPid(c))!;
    started.push(old);
    await untilHealthy(c);
    process.kill(old, 'SIGTERM'); // kill $(cat run/draining.pid)
    await untilUnhealthy(c);

    lines.length = 0;
    let prepared = 0;
    const result = await ensureComponentRunning(c, {
      timeoutMs: 10_000,
      prepare: async () => {
        prepared++;
      },
      progress: (l) => lines.push(l),
    });
    const pid = (await findRunningPid(c))!;
    started.push(pid);
    assert.equal(result, 'restarted');
    assert.notEqual(pid, old);
    assert.equal(isOurProcess(old, c.marker), false, 'the old process is gone');
    assert.ok(await c.isHealthy());
    assert.equal(prepared, 1);
    assert.match(lines[0]!, new RegExp(`^draining: pid ${old} is not healthy \\(starting, or shutting down\\); waiting up to 10 s`));
    assert.match(lines[1]!, new RegExp(`^draining: pid ${old} exited \\(it was shutting down\\); starting it again`));
    assert.equal(await stopProcess(c, 5_000), 'stopped');
  });

  it('keeps a component that is still starting', async () => {
    const c = component('booting', 0.8, 0);
    const pid = await startDetached(c.createStartOptions());
    started.push(pid);
    assert.equal(await ensureComponentRunning(c, { timeoutMs: 10_000 }), 'already-running');
    assert.equal(await findRunningPid(c), pid);
    assert.equal(await stopProcess(c, 5_000), 'stopped');
  });

  it('gives up, saying so, on a process that neither turns healthy nor exits', async () => {
    const c = component('stuck', 0, 30);
    const pid = await startDetached(c.createStartOptions());
    started.push(pid);
    await untilHealthy(c);
    process.kill(pid, 'SIGTERM');
    await untilUnhealthy(c);
    await assert.rejects(ensureComponentRunning(c, { timeoutMs: 600 }), /stuck \(pid \d+\) neither turned healthy at .* nor exited within 0.6 s/);
    assert.ok(isOurProcess(pid, c.marker), 'a stuck process is left to the operator, not killed');
    assert.equal(await stopProcess(c, 100), 'killed');
  });
});
