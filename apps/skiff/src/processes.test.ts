import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRunningPid, isOurProcess, readLogTail, startDetached, stopProcess, type ManagedProcess } from './processes.ts';

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
});
