import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Command } from '../command.ts';
import { bashCompletion } from './completion.ts';

const run = async () => 0;
const commands: Command[] = [
  { name: 'get', flags: [{ name: 'show-labels', type: 'bool' }], run },
  {
    name: 'config',
    subcommands: [
      { name: 'view', flags: [{ name: 'minify', type: 'bool' }], run },
      { name: 'use-context', aliases: ['use'], run },
    ],
    run,
  },
  { name: 'rollout', subcommands: [{ name: 'status', run }], flags: [{ name: 'timeout', type: 'string' }], run },
];

/** COMPREPLY for the words, the last being completed; `kubectl` is a stub that answers only api-resources (wherever it is on its line). */
function complete(...words: string[]): string[] {
  const script = [
    'kubectl() { [[ " $* " == *" api-resources "* ]] && printf "pods\\ndeployments.apps\\n"; }',
    bashCompletion(commands),
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}`,
    '__skiff_kubectl',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const res = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  return res.stdout.split('\n').filter(Boolean);
}

describe('completion bash', () => {
  it('completes commands, subcommands with aliases, and the flags of the command on the line', () => {
    assert.deepEqual(complete('kubectl', 'c'), ['config']);
    assert.deepEqual(complete('kubectl', 'config', 'u'), ['use-context', 'use']);
    assert.deepEqual(complete('kubectl', 'config', 'view', '--mi'), ['--minify']);
    assert.deepEqual(complete('kubectl', '-n', 'x', 'get', '--show'), ['--show-labels']);
  });

  it('completes resource types after a command that takes them, skipping flag values and the subcommand', () => {
    assert.deepEqual(complete('kubectl', '-n', 'x', 'get', 'dep'), ['deployments.apps']);
    assert.deepEqual(complete('kubectl', 'rollout', '--timeout', '5s', 'status', 'dep'), ['deployments.apps']);
  });
});
