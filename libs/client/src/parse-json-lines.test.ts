import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonLines } from './parse-json-lines.ts';

async function collect(chunks: (string | Uint8Array)[]): Promise<unknown[]> {
  async function* stream() {
    yield* chunks;
  }
  const out: unknown[] = [];
  for await (const value of parseJsonLines(stream())) out.push(value);
  return out;
}

describe('parseJsonLines', () => {
  it('reassembles events split anywhere, even inside a multi-byte character', async () => {
    const text = '{"type":"ADDED","object":{"n":"café"}}\n\n{"type":"DELETED","object":{"n":"ü"}}\n';
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from('é')) + 1; // between the two bytes of é
    const chunks = [bytes.subarray(0, 5), bytes.subarray(5, cut), bytes.subarray(cut)];
    assert.deepEqual(await collect(chunks), [
      { type: 'ADDED', object: { n: 'café' } },
      { type: 'DELETED', object: { n: 'ü' } },
    ]);
  });

  it('parses a last event without a trailing newline', async () => {
    assert.deepEqual(await collect(['{"a":1}\n{"b"', ':2}']), [{ a: 1 }, { b: 2 }]);
  });

  it('throws on a malformed line', async () => {
    await assert.rejects(collect(['{"a":1}\nnot json\n']), /malformed event/);
  });
});
