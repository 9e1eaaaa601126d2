import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RotatingFile } from '@skiff/log';
import { formatAuditEvent, formatLocalTime, runLogs } from './logs.ts';
import { UsageError } from './usage.ts';

const MAIN = join(import.meta.dirname, 'main.ts');
const TIME = Date.UTC(2026, 11, 7, 17, 48, 7, 123);

/** A line as @skiff/log writes it: the logger's name, and the component (a child logger may change it). */
const pinoLine = (name: string, msg: string, extra: Record<string, unknown> = {}, level = 30): string =>
  `${JSON.stringify({ level, time: TIME, component: name, name, msg, ...extra })}\n`;

describe('./skiff logs', () => {
  let home = '';
  let logDir = '';
  const env = () => ({ ...process.env, SKIFF_HOME: home, TZ: 'UTC', NO_COLOR: '1' });

  before(() => {
    process.env.TZ = 'UTC'; // pino-pretty's SYS:standard is local time
    home = mkdtempSync(join(tmpdir(), 'skiff-logs-'));
    logDir = join(home, 'logs');
    mkdirSync(logDir);
    writeFileSync(
      join(logDir, 'server.log'),
      [
        pinoLine('server', 'server starting'),
        pinoLine('apiserver', 'serving', { port: 6443 }),
        pinoLine('scheduler', 'no nodes fit', { pod: 'default/web' }, 40),
        pinoLine('apiserver', 'token issued', { component: 'serviceaccount' }),
        "RangeError: a crash trace is no component's\n",
        pinoLine('controller-manager', 'synced', {}, 20),
      ].join(''),
    );
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  /** Runs `logs ARGS` in this process, returning what it printed. */
  async function logs(args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await runLogs(args, {
      env: env(),
      write: (text) => {
        out += text;
      },
    });
    return { code, out };
  }

  /** Runs `./skiff logs ARGS` as a user would. */
  function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    return spawnSync(process.execPath, [MAIN, 'logs', ...args], { env: env(), encoding: 'utf8' });
  }

  it("pretty-prints a role's log: time, level, component, message, fields; other lines as they are", async () => {
    const { code, out } = await logs(['server']);
    assert.equal(code, 0);
    assert.deepEqual(out.split('\n'), [
      '[2026-12-07 17:48:07.123 +0000] INFO (server): server starting',
      '[2026-12-07 17:48:07.123 +0000] INFO (apiserver): serving {"port":6443}',
      '[2026-12-07 17:48:07.123 +0000] WARN (scheduler): no nodes fit {"pod":"default/web"}',
      '[2026-12-07 17:48:07.123 +0000] INFO (apiserver): token issued {"component":"serviceaccount"}',
      "RangeError: a crash trace is no component's",
      '[2026-12-07 17:48:07.123 +0000] DEBUG (controller-manager): synced',
      '',
    ]);
  });

  it("shows a component's own lines (its child loggers' too), --tail N of them, --raw as written", async () => {
    const apiserver = await logs(['apiserver']);
    assert.match(apiserver.out, /^\[.*\] INFO \(apiserver\): serving \{"port":6443\}\n.*token issued.*\nRangeError.*\n$/);
    assert.doesNotMatch(apiserver.out, /scheduler|server starting/);
    assert.equal((await logs(['scheduler', '--tail', '1'])).out, "RangeError: a crash trace is no component's\n");
    assert.equal((await logs(['--tail=2', 'scheduler'])).out.split('\n').length, 3);
    assert.equal((await logs(['scheduler', '--tail', '0'])).out, '');
    assert.equal(
      (await logs(['scheduler', '--raw', '--tail', '2'])).out,
      `${pinoLine('scheduler', 'no nodes fit', { pod: 'default/web' }, 40)}RangeError: a crash trace is no component's\n`,
    );
  });

  it('--tail reaches into the rotated files when the live one has too few lines', async () => {
    const file = join(logDir, 'agent.log');
    writeFileSync(`${file}.2`, pinoLine('kubelet', 'k1') + pinoLine('kubelet', 'k2'));
    writeFileSync(`${file}.1`, pinoLine('kubelet', 'k3') + pinoLine('dns', 'd1') + pinoLine('kubelet', 'k4'));
    writeFileSync(file, pinoLine('kube-proxy', 'p1') + pinoLine('kubelet', 'k5'));
    const messages = async (args: string[]) => [...(await logs(args)).out.matchAll(/\): (\w+)/g)].map((m) => m[1]);
    assert.deepEqual(await messages(['kubelet', '--tail', '4']), ['k2', 'k3', 'k4', 'k5']);
    assert.deepEqual(await messages(['agent', '--tail', '3']), ['k4', 'p1', 'k5']);
    assert.deepEqual(await messages(['kubelet', '--tail', '99']), ['k1', 'k2', 'k3', 'k4', 'k5']);
    assert.deepEqual(await messages(['kubelet']), ['k5'], 'without --tail: the live file, as kubectl logs prints the current container');
  });

  it('-f prints what is appended, across a copy-and-truncate rotation, each line once and in order', async () => {
    const file = join(logDir, 'agent-follow.log');
    writeFileSync(file, pinoLine('kubelet', 'm0'));
    // The follow test reads its own file: resolveLogTarget knows roles, so point a role at it.
    const followHome = mkdtempSync(join(tmpdir(), 'skiff-logs-f-'));
    mkdirSync(join(followHome, 'logs'));
    renameSync(file, join(followHome, 'logs', 'agent.log'));
    const live = join(followHome, 'logs', 'agent.log');
    const abort = new AbortController();
    let out = '';
    const seen = () => [...out.matchAll(/\): (m\d+)/g)].map((m) => m[1]);
    const until = async (n: number) => {
      for (let i = 0; i < 500 && seen().length < n; i++) await sleep(10);
      assert.equal(seen().length, n, out);
    };
    const following = runLogs(['kubelet', '-f'], {
      env: { ...env(), SKIFF_HOME: followHome },
      write: (t) => {
        out += t;
      },
      signal: abort.signal,
      pollMs: 20,
    });
    try {
      await until(1);
      const writer = new RotatingFile(live, { maxBytes: 600, maxFiles: 2 });
      // Each burst is synchronous: the follower sees it only after, rotation and all.
      for (let i = 1; i <= 3; i++) writer.write(pinoLine('kubelet', `m${i}`));
      writer.write(pinoLine('dns', 'not-kubelet'));
      await until(4);
      const before = statSync(live).size;
      // Passes 600 bytes: rotates once, and the live file grows past where the follower was, so only
      // the fresh copy in agent.log.1 tells that it was truncated.
      for (let i = 4; i <= 11; i++) writer.write(pinoLine('kubelet', `m${i}`));
      assert.ok(existsSync(`${live}.1`) && !existsSync(`${live}.2`) && statSync(live).size > before, 'rotated once');
      await until(12);
      for (let i = 12; i <= 14; i++) writer.write(pinoLine('kubelet', `m${i}`));
      await until(15);
      writer.close();
      assert.deepEqual(
        seen(),
        Array.from({ length: 15 }, (_, i) => `m${i}`),
      );
      assert.doesNotMatch(out, /not-kubelet/);
    } finally {
      abort.abort();
      assert.equal(await following, 0);
      rmSync(followHome, { recursive: true, force: true });
    }
  });

  it('audit: one line per event, and -f follows the file renamed aside (lumberjack) and started anew', async () => {
    const file = join(logDir, 'audit.log');
    const event = (verb: string, code: number) =>
      `${JSON.stringify({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: 'Metadata',
        stage: 'ResponseComplete',
        requestURI: '/api/v1/namespaces/default/pods',
        verb,
        user: { username: 'kubernetes-admin', groups: ['system:masters'] },
        sourceIPs: ['127.0.0.1'],
        responseStatus: { metadata: {}, code },
        stageTimestamp: new Date(TIME).toISOString(),
      })}\n`;
    writeFileSync(file, event('list', 200));
    const abort = new AbortController();
    let out = '';
    const following = runLogs(['audit', '-f'], {
      env: env(),
      write: (t) => {
        out += t;
      },
      signal: abort.signal,
      pollMs: 20,
    });
    const until = async (n: number) => {
      for (let i = 0; i < 500 && out.split('\n').length - 1 < n; i++) await sleep(10);
      assert.equal(out.split('\n').length - 1, n, out);
    };
    try {
      await until(1);
      appendFileSync(file, event('create', 201));
      renameSync(file, join(logDir, 'audit-2026-12-07T17-48-07.123.log'));
      writeFileSync(file, event('delete', 200));
      await until(3);
      assert.deepEqual(out.split('\n'), [
        '[2026-12-07 17:48:07.123 +0000] ResponseComplete 200 list /api/v1/namespaces/default/pods user=kubernetes-admin ip=127.0.0.1 (Metadata)',
        '[2026-12-07 17:48:07.123 +0000] ResponseComplete 201 create /api/v1/namespaces/default/pods user=kubernetes-admin ip=127.0.0.1 (Metadata)',
        '[2026-12-07 17:48:07.123 +0000] ResponseComplete 200 delete /api/v1/namespaces/default/pods user=kubernetes-admin ip=127.0.0.1 (Metadata)',
        '',
      ]);
    } finally {
      abort.abort();
      await following;
    }
    assert.match((await logs(['audit', '--tail', '2'])).out, /201 create[^]*200 delete/, '--tail reads the renamed file too');
  });

  it('says which components there are (exit 2), and that there is no log yet (exit 1)', async () => {
    const unknown = cli(['apiservr']);
    assert.equal(unknown.status, 2);
    assert.match(
      unknown.stderr,
      /^skiff logs: unknown component "apiservr": one of server, agent, etcd, kubelet-hollow, dockerd, apiserver, controller-manager, scheduler, kubelet, kube-proxy, dns, local-path, ingress, network-policy, audit\n/,
    );
    assert.match(unknown.stderr, /usage: \.\/skiff logs COMPONENT/);
    assert.equal(unknown.stdout, '');
    const missing = cli(['etcd']);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, 'skiff logs: no log for etcd yet (is the cluster up? ./skiff up)\n');
    const help = cli(['server', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^usage: \.\/skiff logs COMPONENT/);
    // The same usage errors, without a process each (main turns them into exit 2 as above).
    await assert.rejects(logs([]), (err: Error) => err instanceof UsageError && /^COMPONENT is required: one of server,/.test(err.message));
    await assert.rejects(logs(['server', '--tail', 'ten']), /invalid argument "ten" for "--tail" flag/);
    await assert.rejects(logs(['server', 'agent']), /unexpected argument "agent"/);
    await assert.rejects(logs(['server', '--since', '1h']), /unknown flag: --since/);
  });

  it("formats local time as pino-pretty's SYS:standard, and audit events missing fields", () => {
    assert.match(formatLocalTime(new Date(TIME)), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.123 [+-]\d{4}$/);
    assert.equal(
      formatAuditEvent({ stage: 'RequestReceived', verb: 'watch', requestURI: '/api/v1/pods?watch=1', level: 'Request' }),
      '[?] RequestReceived - watch /api/v1/pods?watch=1 user=? (Request)',
    );
  });
});
