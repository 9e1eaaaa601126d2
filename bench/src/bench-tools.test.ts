import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ipString, median, parseIntegerFlags, staticInformer } from './bench-tools.ts';

const FLAGS = { pods: { default: 1000, max: 60_000 }, port: { default: 24280, min: 1024, max: 65535 } };

describe('bench tools', () => {
  it('takes defaults, reads given flags, and refuses out-of-range or non-integer values with the usage', () => {
    assert.deepEqual(parseIntegerFlags([], FLAGS, 'usage: x'), { pods: 1000, port: 24280 });
    assert.deepEqual(parseIntegerFlags(['--pods=7', '--port', '30000'], FLAGS, 'usage: x'), { pods: 7, port: 30000 });
    assert.throws(() => parseIntegerFlags(['--pods=0'], FLAGS, 'usage: x'), { message: '--pods: want an integer 1..60000, got "0"\nusage: x' });
    assert.throws(() => parseIntegerFlags(['--port=80'], FLAGS, 'usage: x'), { message: '--port: want an integer 1024..65535, got "80"\nusage: x' });
    assert.throws(() => parseIntegerFlags(['--pods=1.5'], FLAGS, 'usage: x'), /--pods: want an integer/);
    assert.throws(() => parseIntegerFlags(['--nodes=3'], FLAGS, 'usage: x'), /Unknown option '--nodes'/);
  });

  it('reports the middle round, the upper one of an even count, without reordering the input', () => {
    const rounds = [30, 10, 20];
    assert.equal(median(rounds), 20);
    assert.deepEqual(rounds, [30, 10, 20]);
    assert.equal(median([4, 1, 3, 2]), 3);
  });

  it('formats addresses and lists what the source holds at the time of the call', () => {
    assert.equal(ipString(0x0af40002), '10.244.0.2');
    let items = [1];
    const source = staticInformer(() => items);
    items = [1, 2];
    assert.deepEqual(source.list(), [1, 2]);
  });
});
