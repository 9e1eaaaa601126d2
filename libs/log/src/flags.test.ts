import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  duration,
  formatUsage,
  integer,
  ipv4Cidr,
  kubeconfigFlag,
  logLevelFlag,
  metricsPortFlag,
  parseBooleanFlag,
  parseIntegerFlag,
  readFlags,
  splitFlags,
  UsageError,
  type FlagSpec,
} from './flags.ts';

const fail = (m: string): Error => new Error(m);

test('splitFlags reads --name=value and bare --name, and refuses anything else', () => {
  assert.deepEqual(splitFlags(['--a=1', '--b', '--c='], fail), [
    ['a', '1'],
    ['b', ''],
    ['c', ''],
  ]);
  assert.deepEqual(
    splitFlags(['--a', 'x', '--b'], fail, (f) => f === 'a'),
    [
      ['a', 'x'],
      ['b', ''],
    ],
    'a value flag takes the next argument',
  );
  assert.throws(() => splitFlags(['--a'], fail, () => true), /flag needs a value: --a/);
  assert.throws(() => splitFlags(['--a', '--b=1'], fail, () => true), /flag needs a value: --a/);
  assert.throws(() => splitFlags(['positional'], fail), /unexpected argument "positional"/);
  assert.throws(() => splitFlags(['-x'], fail), /unexpected argument "-x"/);
});

test('parseIntegerFlag checks bounds and says which', () => {
  const table: [string, number, number | undefined, number | RegExp][] = [
    ['5', 0, 10, 5],
    ['0', 0, undefined, 0],
    ['11', 0, 10, /from 0 to 10, got "11"/],
    ['1', 2, undefined, /≥ 2, got "1"/],
    ['-1', 0, 10, /got "-1"/],
    ['1.5', 0, 10, /got "1.5"/],
    ['', 0, 10, /got ""/],
  ];
  for (const [value, min, max, want] of table) {
    if (typeof want === 'number') assert.equal(parseIntegerFlag('n', value, fail, min, max), want);
    else assert.throws(() => parseIntegerFlag('n', value, fail, min, max), want);
  }
});

test('parseBooleanFlag: true, false, 1, 0, bare; nothing else', () => {
  for (const [value, want] of [
    ['true', true],
    ['', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ] as const) {
    assert.equal(parseBooleanFlag('b', value, fail), want, value);
  }
  assert.throws(() => parseBooleanFlag('b', 'maybe', fail), /--b: want true or false, got "maybe"/);
});

test('duration reads Go-style durations in its unit', () => {
  const seconds = duration('s');
  assert.deepEqual(
    ['40', '2.5', '40s', '1m30s', '1h', '1500ms'].map((v) => seconds.parse(v)),
    [40, 2.5, 40, 90, 3600, 1.5],
  );
  assert.deepEqual(
    ['5x', '5s garbage', '', 's'].map((v) => seconds.parse(v)),
    [undefined, undefined, undefined, undefined],
  );
  assert.equal(duration('ms').parse('2s'), 2000);
  assert.equal(duration('s', 2).parse('1s'), undefined, 'below the minimum');
});

interface Config {
  kubeconfig: string;
  logLevel: string;
  metricsPort: number;
  verbose: boolean;
  timeoutSeconds: number;
  names: string[];
  cidrs: string[];
  workers: Record<string, number>;
  labels: Record<string, string>;
  netns?: string;
  dir: string;
  zone?: string;
}

const flags: FlagSpec<Config>[] = [
  kubeconfigFlag,
  logLevelFlag,
  metricsPortFlag(9000),
  { name: 'verbose', type: 'bool', key: 'verbose', default: false, help: 'say more' },
  { name: 'timeout', type: 'duration', unit: 's', key: 'timeoutSeconds', default: 30, help: 'give up after' },
  { name: 'names', type: 'list', key: 'names', default: ['a'], help: 'names' },
  { name: 'cidrs', type: 'list', key: 'cidrs', default: [], item: ipv4Cidr, help: 'ranges' },
  { name: 'workers', type: 'map', key: 'workers', default: { x: 1 }, value: integer(1), perKeyFlag: 'concurrent-<name>-syncs', help: 'workers' },
  { name: 'labels', type: 'map', key: 'labels', default: {}, help: 'labels' },
  { name: 'netns', type: 'string', key: 'netns', help: 'namespace' },
  { name: 'dir', type: 'string', key: 'dir', default: '/var', env: 'DIR', help: 'where' },
  { name: 'zone', type: 'string', key: 'zone', required: (c) => c.verbose === true, help: 'which zone' },
];
const read = (argv: string[], env = {}): Config => readFlags(flags, argv, fail, env);

test('readFlags: defaults for what is not given, copied so no call shares them', () => {
  assert.deepEqual(read(['--kubeconfig=/k']), {
    kubeconfig: '/k',
    logLevel: 'info',
    metricsPort: 9000,
    verbose: false,
    timeoutSeconds: 30,
    names: ['a'],
    cidrs: [],
    workers: { x: 1 },
    labels: {},
    dir: '/var',
  });
  const a = read(['--kubeconfig=/k']);
  a.names.push('b');
  a.workers.y = 2;
  assert.deepEqual([read(['--kubeconfig=/k']).names, read(['--kubeconfig=/k']).workers], [['a'], { x: 1 }]);
});

test('readFlags: every type, in both spellings; a bare boolean does not eat the next flag', () => {
  const c = read([
    '--kubeconfig',
    '/k',
    '--verbose',
    '--zone=z',
    '--timeout',
    '1m',
    '--names=b, c,,',
    '--cidrs=10.0.0.0/8,192.168.0.0/16',
    '--metrics-port=0',
    '--workers=a=2',
    '--concurrent-b-syncs=3',
    '--workers',
    'c=4',
    '--labels=k=v,k2=a=b',
    '--netns=ns1',
    '--log-level=debug',
  ]);
  assert.deepEqual(c, {
    kubeconfig: '/k',
    logLevel: 'debug',
    metricsPort: 0,
    verbose: true,
    timeoutSeconds: 60,
    names: ['b', 'c'],
    cidrs: ['10.0.0.0/8', '192.168.0.0/16'],
    workers: { a: 2, b: 3, c: 4 },
    labels: { k: 'v', k2: 'a=b' },
    netns: 'ns1',
    dir: '/var',
    zone: 'z',
  });
  assert.equal(read(['--kubeconfig=/k', '--verbose=false', '--verbose=true', '--zone=z']).verbose, true, 'the last wins');
});

test('readFlags: an empty value leaves a flag without a default unset', () => {
  const c = read(['--kubeconfig=/k', '--netns=', '--dir=']);
  assert.equal('netns' in c, false);
  assert.equal(c.dir, '');
});

test('readFlags: an environment variable replaces the default and the flag wins over it', () => {
  assert.deepEqual(
    [read(['--kubeconfig=/k'], { SKIFF_LOG_LEVEL: 'warn', DIR: '/d' })].map((c) => [c.logLevel, c.dir]),
    [['warn', '/d']],
  );
  assert.equal(read(['--kubeconfig=/k', '--log-level=error'], { SKIFF_LOG_LEVEL: 'warn' }).logLevel, 'error');
  assert.equal(read(['--kubeconfig=/k'], { SKIFF_LOG_LEVEL: '' }).logLevel, 'info', 'set but empty is unset');
  assert.throws(() => read(['--kubeconfig=/k'], { SKIFF_LOG_LEVEL: 'loud' }), /^Error: \$SKIFF_LOG_LEVEL: want one of trace, .*, got "loud"$/);
});

test('readFlags: bad input names the flag, what it wanted and what it got', () => {
  const bad: [string[], RegExp][] = [
    [['--kubeconfig=/k', '--nope=1'], /^unknown flag: --nope$/],
    [['--kubeconfig=/k', '--concurrent--syncs=1'], /^unknown flag: --concurrent--syncs$/],
    [['--kubeconfig=/k', 'stray'], /^unexpected argument "stray"$/],
    [['--kubeconfig'], /^flag needs a value: --kubeconfig$/],
    [['--kubeconfig=/k', '--verbose=maybe'], /^--verbose: want true or false, got "maybe"$/],
    [['--kubeconfig=/k', '--timeout=soon'], /^--timeout: want a duration like 40s, 1m or 1500ms, got "soon"$/],
    [['--kubeconfig=/k', '--metrics-port=70000'], /^--metrics-port: want an integer from 0 to 65535, got "70000"$/],
    [['--kubeconfig=/k', '--log-level=loud'], /^--log-level: want one of trace, debug, info, warn, error, fatal, silent, got "loud"$/],
    [['--kubeconfig=/k', '--cidrs=10.0.0.0/8,300.0.0.0/8'], /^--cidrs: want an IPv4 CIDR like 10.244.0.0\/16, got "300.0.0.0\/8"$/],
    [['--kubeconfig=/k', '--workers=a'], /^--workers: want KEY=VALUE pairs, got "a"$/],
    [['--kubeconfig=/k', '--concurrent-a-syncs=0'], /^--concurrent-a-syncs: want an integer ≥ 1, got "0"$/],
    [[], /^--kubeconfig is required$/],
    [['--verbose'], /^--kubeconfig and --zone are required$/],
    [['--kubeconfig=/k', '--verbose', '--zone='], /^--zone is required$/],
  ];
  for (const [argv, message] of bad)
    assert.throws(
      () => read(argv),
      (err: Error) => message.test(err.message),
      argv.join(' '),
    );
});

test('formatUsage: the required flags, then every flag with its help, default and environment variable', () => {
  const usage = formatUsage('demo', flags);
  const lines = usage.split('\n');
  assert.equal(lines[0], 'usage: demo --kubeconfig=PATH --zone=STRING [flags]');
  for (const spec of flags)
    assert.ok(
      lines.some((line) => line.trimStart().startsWith(`--${spec.name}=`) && line.includes(spec.help)),
      spec.name,
    );
  assert.match(usage, /--log-level=LEVEL +least severe level logged: .* \(default: \$SKIFF_LOG_LEVEL, else info\)/);
  assert.match(usage, /--timeout=DURATION +give up after \(default: 30s\)/);
  assert.match(usage, /--cidrs=CIDR,\.\.\. +ranges\n/);
  assert.match(usage, /--workers=KEY=N,\.\.\. +workers \(default: x=1\)\n +--concurrent-<name>-syncs=N +one entry of --workers/);
  assert.deepEqual(formatUsage('demo', flags, ['--a', '--b']).split('\n').slice(0, 2), ['usage: demo --a', '   or: demo --b']);
  const err = new UsageError('unknown flag: --x', usage);
  assert.equal(err.name, 'FlagError');
  assert.equal(err.message, `unknown flag: --x\n${usage}`);
});
