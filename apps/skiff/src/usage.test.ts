import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.ts';
import { parseFlags, UsageError, wantsHelp, wantsJson } from './usage.ts';

const MAIN = join(REPO_ROOT, 'apps/skiff/src/main.ts');
const COMMANDS = ['up', 'down', 'status', 'version', 'kubeconfig', 'logs', 'test', 'bench', 'lab', 'token', 'join', 'etcd', 'certs', 'server', 'agent', 'run'];

type Run = { code: number; stdout: string; stderr: string };

/** `./skiff ARGS` with SKIFF_HOME (and HOME) in `home`, so whatever a command wrote would show there. */
async function skiff(home: string, args: string[]): Promise<Run> {
  const env = { ...process.env, SKIFF_HOME: home, HOME: home, KUBECONFIG: '', SKIFF_LOG_LEVEL: 'warn' };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'skiff-usage-'));
  try {
    await fn(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

describe('./skiff COMMAND --help', () => {
  it("prints every command's usage on stdout, exits 0, and does nothing (SKIFF_HOME stays empty)", () =>
    withHome(async (home) => {
      const runs = await Promise.all(COMMANDS.map(async (c) => [c, await skiff(home, [c, '--help'])] as const));
      for (const [command, run] of runs) {
        assert.equal(run.code, 0, `${command} --help: ${run.stderr}`);
        assert.match(run.stdout, new RegExp(`^usage: \\./skiff ${command}\\b`), command);
        assert.equal(run.stderr, '', command);
      }
      // -h, after other arguments, and `help CMD` are the same help.
      const [short, late, helpDown] = await Promise.all([
        skiff(home, ['down', '-h']),
        skiff(home, ['up', '--no-node', '--help']),
        skiff(home, ['help', 'down']),
      ]);
      assert.deepEqual([short.code, late.code, helpDown.code], [0, 0, 0]);
      assert.equal(short.stdout, helpDown.stdout);
      assert.match(late.stdout, /^usage: \.\/skiff up /);
      assert.deepEqual(await readdir(home), [], 'help wrote nothing');
    }));

  it('./skiff --help and ./skiff help list the commands on stdout (exit 0); no command at all is a usage error (exit 2)', () =>
    withHome(async (home) => {
      const [help, bare] = await Promise.all([skiff(home, ['--help']), skiff(home, [])]);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^usage: \.\/skiff <command>/);
      assert.match(help.stdout, /^ {2}version \[-o json\]/m);
      assert.match(help.stdout, /^ {2}kubeconfig \[--merge\]/m);
      assert.match(help.stdout, /^ {2}logs COMPONENT \[-f\]/m);
      assert.equal(bare.code, 2);
      assert.equal(bare.stdout, '');
      assert.match(bare.stderr, /^usage: \.\/skiff <command>/);
    }));

  it('an unknown flag, argument or command exits 2 with the problem and the usage on stderr', () =>
    withHome(async (home) => {
      const runs = await Promise.all([skiff(home, ['up', '--bogus']), skiff(home, ['down', 'now']), skiff(home, ['etcd', 'restore']), skiff(home, ['nosuch'])]);
      const [up, down, restore, unknown] = runs;
      for (const run of runs) assert.equal(run.code, 2, run.stderr);
      for (const run of runs) assert.equal(run.stdout, '');
      assert.match(up!.stderr, /^skiff up: unknown flag: --bogus\n\nusage: \.\/skiff up /);
      assert.match(down!.stderr, /^skiff down: unexpected argument "now"\n\nusage: \.\/skiff down /);
      assert.match(restore!.stderr, /^skiff etcd: restore wants a snapshot FILE\n\nusage: \.\/skiff etcd snapshot/);
      assert.match(unknown!.stderr, /^skiff: unknown command "nosuch"/);
      assert.deepEqual(await readdir(home), []);
    }));

  it("./skiff kubectl --help is kubectl's own help", () =>
    withHome(async (home) => {
      const run = await skiff(home, ['kubectl', '--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /kubectl controls the/);
    }));
});

describe('./skiff status -o json and version without a cluster', () => {
  it('status reports the same facts as JSON and exits 1 as the table does', () =>
    withHome(async (home) => {
      const [json, table] = await Promise.all([skiff(home, ['status', '-o', 'json']), skiff(home, ['status'])]);
      assert.equal(json.code, 1);
      assert.equal(table.code, 1);
      const report = JSON.parse(json.stdout);
      assert.equal(report.home, home);
      assert.equal(report.ok, false);
      assert.equal(report.nodes, undefined);
      const etcd = report.components.find((c: { name: string }) => c.name === 'etcd');
      assert.deepEqual({ running: etcd.running, healthy: etcd.healthy, optional: etcd.optional }, { running: false, healthy: false, optional: false });
      assert.ok(report.components.some((c: { name: string; optional: boolean }) => c.name === 'kubelet' && c.optional));
      assert.match(table.stdout, /NODES: unknown \(apiserver not reachable\)/);
    }));

  it("version prints Skiff's, the Kubernetes API's and Node.js's versions, and that no server runs", () =>
    withHome(async (home) => {
      const [text, json] = await Promise.all([skiff(home, ['version']), skiff(home, ['version', '-o', 'json'])]);
      assert.equal(text.code, 0, text.stderr);
      const lines = text.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^Skiff Version: v\d+\.\d+\.\d+( \(commit [0-9a-f]{7,}\))?$/);
      assert.match(lines[1]!, /^Kubernetes Version: v1\.\d+\.\d+\+skiff$/);
      assert.equal(lines[2], `Node.js Version: ${process.version}`);
      assert.equal(lines[3], 'Server: not running');
      const report = JSON.parse(json.stdout);
      assert.equal(report.nodeVersion, process.version);
      assert.equal(report.serverVersion, undefined);
      assert.equal(`Kubernetes Version: ${report.kubernetesVersion}`, lines[1]);
    }));
});

describe('parseFlags, wantsJson and wantsHelp', () => {
  it('reads booleans, valued flags in both spellings and aliases; refuses the rest as usage errors', () => {
    const spec = { booleans: ['merge'], values: ['output'], aliases: { '-o': 'output' }, positional: 1 };
    assert.deepEqual(parseFlags(['--merge', '-o', 'json', 'x'], spec), { flags: { merge: true, output: 'json' }, positional: ['x'] });
    assert.deepEqual(parseFlags(['--output=json'], spec).flags, { output: 'json' });
    assert.throws(() => parseFlags(['--merge=yes'], spec), UsageError);
    assert.throws(() => parseFlags(['-o'], spec), /flag needs an argument: -o/);
    assert.throws(() => parseFlags(['a', 'b'], spec), /unexpected argument "b"/);
    assert.equal(wantsJson(parseFlags(['-o', 'json'], spec).flags), true);
    assert.equal(wantsJson({}), false);
    assert.throws(() => wantsJson({ output: 'yaml' }), /output format "yaml", allowed formats are: json/);
  });
  it('help is -h or --help before a --', () => {
    assert.equal(wantsHelp(['up', '-h']), true);
    assert.equal(wantsHelp(['run', '--', '--help']), false);
  });
});
