import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SPDY3_DICTIONARY } from './dictionary.ts';
import { FLAG_FIN, FrameReader, SYN_STREAM, decodeHeaderBlock, encodeData, encodeHeaderBlock, encodePing, encodeSynStream, parseSynStream } from './frames.ts';
import { HeaderCompressor, HeaderDecompressor } from './header-codec.ts';
import { splitJsonObjects } from './resize.ts';
import { negotiateProtocol } from './index.ts';
import { expectedStreams } from './exec-session.ts';

test('the SPDY/3 dictionary is byte-exact (1423 bytes, spec hash)', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

test('header blocks round-trip through one stateful zlib context per direction', async () => {
  const c = new HeaderCompressor();
  const d = new HeaderDecompressor();
  const first = { streamtype: 'error', port: '8080', requestid: '0' };
  const second = { streamtype: 'data', port: '8080', requestid: '0' };
  const a = await c.compress(encodeHeaderBlock(first));
  const b = await c.compress(encodeHeaderBlock(second));
  // The second block refers back to the first: it only inflates in the same context, in order.
  assert.deepEqual(decodeHeaderBlock(await d.decompress(a)), first);
  assert.deepEqual(decodeHeaderBlock(await d.decompress(b)), second);
  c.close();
  d.close();
});

test('multi-valued headers decode NUL-separated values and lowercase names', () => {
  const block = encodeHeaderBlock({ StreamType: 'stdout', x: 'a\0b' });
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: 'stdout', x: 'a, b' });
});

test('FrameReader reassembles frames split across and packed into chunks', async () => {
  const headers = await new HeaderCompressor().compress(encodeHeaderBlock({ streamtype: 'stdin' }));
  const bytes = Buffer.concat([encodeSynStream(1, 0, headers), encodeData(1, FLAG_FIN, Buffer.from('hello')), encodePing(7)]);
  const reader = new FrameReader();
  const frames = [...reader.push(bytes.subarray(0, 5)), ...reader.push(bytes.subarray(5, 30)), ...reader.push(bytes.subarray(30))];
  assert.equal(frames.length, 3);
  const [syn, data, ping] = frames;
  assert.ok(syn.control && syn.type === SYN_STREAM && syn.version === 3);
  assert.equal(parseSynStream(syn.payload).streamId, 1);
  assert.ok(!data.control);
  assert.equal(data.streamId, 1);
  assert.equal(data.flags, FLAG_FIN);
  assert.equal(data.data.toString(), 'hello');
  assert.ok(ping.control && ping.payload.readUInt32BE(0) === 7);
});

test('resize objects are parsed even when split mid-object', () => {
  const one = splitJsonObjects('{"Width":80,"Height":24}\n{"Width":1');
  assert.deepEqual(one.objects, [{ Width: 80, Height: 24 }]);
  const two = splitJsonObjects(`${one.rest}00,"Height":50}`);
  assert.deepEqual(two.objects, [{ Width: 100, Height: 50 }]);
  assert.equal(two.rest, '');
});

test('protocol negotiation takes the first offered version the server supports', () => {
  const exec = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
  assert.equal(negotiateProtocol(['v5.channel.k8s.io', 'v4.channel.k8s.io'], exec), 'v4.channel.k8s.io');
  assert.equal(negotiateProtocol(['v1.bogus'], exec), undefined);
  assert.equal(negotiateProtocol([], exec), '');
});

test('a TTY session expects a resize stream (v3+) and no stderr', () => {
  const req = { kind: 'exec' as const, namespace: 'd', pod: 'p', container: 'c', stdin: true, stdout: true, stderr: false, tty: true };
  assert.deepEqual(expectedStreams(req, 'v4.channel.k8s.io'), ['error', 'stdin', 'stdout', 'resize']);
  assert.deepEqual(expectedStreams(req, 'v2.channel.k8s.io'), ['error', 'stdin', 'stdout']);
});
