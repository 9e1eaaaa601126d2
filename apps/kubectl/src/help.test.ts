import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Command } from './command.ts';
import { listCommands } from './command.ts';
import { versionSkewWarning } from './commands/version.ts';
import { editDistance, findHelpTarget, formatCommandHelp, formatOverview, suggestCommands } from './help.ts';
import { loadCommands, runCli } from './run-cli.ts';

/** Runs kubectl with captured streams and no kubeconfig anywhere: help must never need one. */
async function kubectl(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (d: Buffer) => {
    chunks.out += d;
  });
  err.on('data', (d: Buffer) => {
    chunks.err += d;
  });
  const code = await runCli(argv, { out, err, env: { KUBECONFIG: '/nonexistent/kubeconfig' } });
  return { code, ...chunks };
}

const noop = async () => 0;
const byName = (...names: string[]): Command[] => names.map((name) => ({ name, summary: `${name} things`, run: noop }));

test("a command's help: long, examples, options aligned with defaults, usage, footer", () => {
  const cmd: Command = {
    name: 'scale',
    summary: 'Set a new size',
    long: 'Set a new size for a deployment.',
    usage: 'scale --replicas=COUNT (TYPE NAME | TYPE/NAME) [options]',
    examples: '  # Scale a deployment named web to 3\n  kubectl scale --replicas=3 deployment/web\n',
    flags: [
      { name: 'replicas', type: 'int', usage: 'The new desired number of replicas. Required.' },
      { name: 'current-replicas', type: 'int', default: -1, usage: 'Precondition for current size.' },
      { name: 'dry-run', type: 'string' },
    ],
    sharedFlags: ['selector'],
    run: noop,
  };
  assert.equal(
    formatCommandHelp(cmd),
    [
      'Set a new size for a deployment.',
      '',
      'Examples:',
      '  # Scale a deployment named web to 3',
      '  kubectl scale --replicas=3 deployment/web',
      '',
      'Options:',
      '    --current-replicas=-1:',
      '\tPrecondition for current size.',
      '',
      "    --dry-run='':",
      '\tMust be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.',
      '',
      '    --replicas=0:',
      '\tThe new desired number of replicas. Required.',
      '',
      "    -l, --selector='':",
      "\tSelector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2). Matching objects must satisfy all of the specified label constraints.",
      '',
      'Usage:',
      '  kubectl scale --replicas=COUNT (TYPE NAME | TYPE/NAME) [options]',
      '',
      'Use "kubectl options" for a list of global command-line options (applies to all commands).',
      '',
    ].join('\n'),
  );
});

test('a parent lists its subcommands; the subcommand named first is the one described', () => {
  const rollout: Command = {
    name: 'rollout',
    long: 'Manage the rollout of one or many resources.',
    subcommands: [
      { name: 'undo', summary: 'Undo a previous rollout', usage: 'rollout undo (TYPE NAME | TYPE/NAME) [flags] [options]' },
      {
        name: 'status',
        aliases: ['st'],
        summary: 'Show the status of the rollout',
        long: 'Show the status of the rollout.',
        flags: [{ name: 'revision', type: 'int', usage: 'Pin to a specific revision.' }],
      },
    ],
    run: noop,
  };
  const parent = formatCommandHelp(rollout);
  assert.match(
    parent,
    /\nAvailable Commands:\n {2}status {8}Show the status of the rollout\n {2}undo {10}Undo a previous rollout\n\nUsage:\n {2}kubectl rollout SUBCOMMAND \[flags\] \[options\]\n\nUse "kubectl rollout <command> --help" for more information about a given command.\n/,
  );
  const { target, path } = findHelpTarget(rollout, ['status', 'deploy/web']);
  assert.deepEqual(path, ['rollout', 'status']);
  const sub = formatCommandHelp(target, path);
  assert.ok(
    sub.startsWith(
      'Show the status of the rollout.\n\nAliases:\nstatus, st\n\nOptions:\n    --revision=0:\n\tPin to a specific revision.\n\nUsage:\n  kubectl rollout status [flags] [options]\n',
    ),
    sub,
  );
  assert.equal(findHelpTarget(rollout, ['st']).target, target);
  assert.equal(findHelpTarget(rollout, ['deploy/web']).target, rollout);
});

test("suggestions: cobra's distance of 2 or a prefix, in the overview's order", () => {
  assert.equal(editDistance('gte', 'get'), 2);
  assert.equal(editDistance('GET', 'get'), 0);
  assert.equal(editDistance('', 'cp'), 2);
  const cmds = byName('cp', 'get', 'scale', 'set', 'version', 'help');
  assert.deepEqual(suggestCommands('gte', cmds), ['get']);
  assert.deepEqual(suggestCommands('ge', cmds), ['set', 'get', 'cp']);
  assert.deepEqual(suggestCommands('s', cmds), ['set', 'scale', 'cp']);
  assert.deepEqual(suggestCommands('vers', cmds), ['version']);
  assert.deepEqual(suggestCommands('xyzzy', cmds), []);
  assert.deepEqual(suggestCommands('hel', cmds), ['set', 'get'], 'help is hidden, as in kubectl');
});

test('the overview groups commands as kubectl does; names it does not know go under Other', () => {
  const text = formatOverview(byName('get', 'apply', 'zap', 'version', 'help'));
  assert.match(
    text,
    /\nBasic Commands \(Intermediate\):\n {2}get {11}get things\n\nAdvanced Commands:\n {2}apply {9}apply things\n\nOther Commands:\n {2}version {7}version things\n {2}zap {11}zap things\n\nUsage:\n {2}kubectl \[flags\] \[options\]\n/,
  );
  assert.doesNotMatch(text, /^ {2}help /m);
});

test("version skew beyond one minor version gets kubectl's warning", () => {
  const client = { gitVersion: 'v1.32.0-skiff', major: '1', minor: '32' };
  assert.equal(versionSkewWarning(client, { gitVersion: 'v1.31.4' }), undefined);
  assert.equal(versionSkewWarning(client, { gitVersion: 'v1.33.0' }), undefined);
  assert.equal(
    versionSkewWarning(client, { major: '1', minor: '30+' }),
    'WARNING: version difference between client (1.32) and server (1.30) exceeds the supported minor version skew of +/-1',
  );
  assert.match(versionSkewWarning(client, { gitVersion: 'v2.32.0' }) ?? '', /client \(1\.32\) and server \(2\.32\)/);
  assert.equal(versionSkewWarning(client, {}), undefined);
});

test("apply -f FILE --help prints apply's help and reads nothing", async () => {
  const { code, out, err } = await kubectl('apply', '-f', '/nonexistent.yaml', '--help');
  assert.equal(err, '');
  assert.equal(code, 0);
  assert.match(out, /^Apply a configuration to a resource by file name or stdin\./);
  assert.match(out, /\nUsage:\n {2}kubectl apply /);
});

test('kubectl help, --help and no arguments print the overview; help CMD is CMD --help', async () => {
  const overview = await kubectl();
  assert.equal(overview.code, 0);
  assert.match(overview.out, /\nBasic Commands \(Intermediate\):\n( {2}.*\n)* {2}get {13}Display one or many resources\n/);
  assert.equal((await kubectl('--help')).out, overview.out);
  assert.equal((await kubectl('help')).out, overview.out);
  assert.equal((await kubectl('help', 'get')).out, (await kubectl('get', '--help')).out);
  assert.equal((await kubectl('help', 'rollout', 'status')).out, (await kubectl('rollout', 'status', 'deploy/x', '-h')).out);
  const options = await kubectl('options');
  assert.match(options.out, /^The following options can be passed to any command:\n\n/);
  assert.match(options.out, /\n {4}-n, --namespace='':\n\tIf present, the namespace scope for this CLI request\n/);
});

test("an unknown command says so in cobra's words and suggests the nearest, exit 1", async () => {
  assert.deepEqual(await kubectl('gte', 'pods'), {
    code: 1,
    out: '',
    err: 'Error: unknown command "gte" for "kubectl"\n\nDid you mean this?\n\tget\n\n',
  });
  assert.deepEqual(await kubectl('xyzzy'), { code: 1, out: '', err: 'Error: unknown command "xyzzy" for "kubectl"\n' });
});

test('every registered command has a summary and usage, and `CMD --help` exits 0 with its usage', async () => {
  await loadCommands();
  const missing: string[] = [];
  for (const cmd of listCommands()) {
    if (!cmd.summary || !cmd.usage) missing.push(cmd.name);
    for (const sub of cmd.subcommands ?? []) if (!sub.summary || !sub.usage) missing.push(`${cmd.name} ${sub.name}`);
    const { code, out, err } = await kubectl(cmd.name, '--help');
    assert.equal(code, 0, `${cmd.name} --help: ${err}`);
    assert.match(out, new RegExp(`\\nUsage:\\n {2}kubectl ${cmd.name}`), `${cmd.name} --help`);
  }
  assert.deepEqual(missing, [], 'commands without summary or usage');
});
