import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findCommandName, parseArgs } from './cli.ts';
import { CliError } from './errors.ts';

describe('parseArgs', () => {
  it('reads global flags anywhere, long and short, with = or a separate value', () => {
    const p = parseArgs(['-n', 'shop', 'get', 'pods', '-oyaml', '--selector=app=web', 'web-1', '--field-selector', 'status.phase=Running']);
    assert.equal(p.command, 'get');
    assert.deepEqual(p.args, ['pods', 'web-1']);
    assert.equal(p.flags.string('namespace'), 'shop');
    assert.equal(p.flags.string('output'), 'yaml');
    assert.equal(p.flags.string('selector'), 'app=web');
    assert.equal(p.flags.string('field-selector'), 'status.phase=Running');
  });

  it('combines short bools, repeats -f, keeps - for stdin', () => {
    const p = parseArgs(['get', 'pods', '-Aw', '-f', 'a.yaml', '--filename=dir', '-f', '-', '-R']);
    assert.equal(p.flags.bool('all-namespaces'), true);
    assert.equal(p.flags.bool('watch'), true);
    assert.equal(p.flags.bool('recursive'), true);
    assert.deepEqual(p.flags.list('filename'), ['a.yaml', 'dir', '-']);
  });

  it('takes command flags with types and defaults, bools accept =false', () => {
    const specs = [
      { name: 'wait', type: 'bool' as const, default: true },
      { name: 'grace-period', type: 'int' as const },
      { name: 'from-literal', type: 'array' as const },
    ];
    const p = parseArgs(['delete', 'pod', 'x', '--wait=false', '--grace-period', '0', '--from-literal=a=b=c'], specs);
    assert.equal(p.flags.bool('wait'), false);
    assert.equal(p.flags.has('wait'), true);
    assert.equal(p.flags.int('grace-period'), 0);
    assert.deepEqual(p.flags.list('from-literal'), ['a=b=c']);
    assert.equal(parseArgs(['delete'], specs).flags.bool('wait'), true);
  });

  it('stops at -- and refuses unknown or valueless flags as kubectl does', () => {
    assert.deepEqual(parseArgs(['get', '--', '-x']).args, ['-x']);
    assert.throws(
      () => parseArgs(['get', '--bogus']),
      (e: unknown) => e instanceof CliError && e.message === 'unknown flag: --bogus',
    );
    assert.throws(() => parseArgs(['get', '-n']), /flag needs an argument: -n, --namespace/);
    assert.throws(() => parseArgs(['delete', '--grace-period=x'], [{ name: 'grace-period', type: 'int' }]), /invalid argument "x"/);
  });
});

describe('findCommandName', () => {
  it('skips global flags and their values', () => {
    assert.equal(findCommandName(['-n', 'kube-system', '--kubeconfig', '/k', 'get', 'pods']), 'get');
    assert.equal(findCommandName(['--context=x', '-A', 'describe']), 'describe');
    assert.equal(findCommandName(['-oyaml']), '');
  });
});
