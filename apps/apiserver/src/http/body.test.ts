import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../errors.ts';
import { decodeBody, patchTypeOf, readBody } from './body.ts';

function fakeRequest(chunks: string[], headers: Record<string, string> = {}): IncomingMessage {
  const r = Readable.from(chunks.map((c) => Buffer.from(c))) as unknown as IncomingMessage;
  (r as { headers: Record<string, string> }).headers = headers;
  return r;
}

function assertApiError(fn: () => unknown, code: number, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof ApiError && err.code === code && (!pattern || pattern.test(err.message)));
}

test('readBody enforces the size limit on actual and declared length', async () => {
  assert.equal((await readBody(fakeRequest(['ab', 'cd']), 4)).toString(), 'abcd');
  await assert.rejects(
    readBody(fakeRequest(['abc', 'de']), 4),
    (e: unknown) => e instanceof ApiError && e.code === 413 && e.reason === 'RequestEntityTooLarge',
  );
  await assert.rejects(readBody(fakeRequest(['a'], { 'content-length': '100' }), 4), (e: unknown) => e instanceof ApiError && e.code === 413);
});

test('decodeBody parses JSON and YAML by content type', () => {
  assert.deepEqual(decodeBody(Buffer.from('{"a":1}'), 'application/json; charset=utf-8', 1000), { a: 1 });
  assert.deepEqual(decodeBody(Buffer.from('a: 1\nb: [x]\n'), 'application/yaml', 1000), { a: 1, b: ['x'] });
  assert.equal(decodeBody(Buffer.from('  '), 'application/json', 1000), undefined);
  assertApiError(() => decodeBody(Buffer.from('{"a":'), 'application/json', 1000), 400, /couldn't get version\/kind; json parse error/);
  assertApiError(() => decodeBody(Buffer.from('a: 1\na: 2\n'), 'application/yaml', 1000), 400, /YAML/);
  assertApiError(
    () => decodeBody(Buffer.from('x'), 'application/vnd.kubernetes.protobuf', 1000),
    400,
    /protobuf body does not start with the Kubernetes magic/,
  );
  assertApiError(() => decodeBody(Buffer.from('x'), 'application/cbor', 1000), 415);
});

test('decodeBody refuses YAML alias bombs', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 8; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]`);
  }
  // 10^8 elements once expanded: too many aliases, or too large once decoded.
  assertApiError(() => decodeBody(Buffer.from(lines.join('\n')), 'application/yaml', 3 * 1024 * 1024), 400);
  const small = 'a: &a [' + Array(40).fill('"xxxxxxxxxx"').join(',') + ']\nb: [' + Array(40).fill('*a').join(',') + ']\n';
  assertApiError(() => decodeBody(Buffer.from(small), 'application/yaml', 10_000), 413);
});

test('patchTypeOf maps the patch media types and rejects others with 415', () => {
  assert.equal(patchTypeOf('application/json-patch+json'), 'json');
  assert.equal(patchTypeOf('application/merge-patch+json'), 'merge');
  assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
  assert.equal(patchTypeOf('application/apply-patch+yaml'), 'apply');
  assertApiError(() => patchTypeOf('application/json'), 415);
});

test('decodeBody reads kubectl 1.31+ protobuf bodies, and refuses what Skiff has no table for with 415', () => {
  const pb = readFileSync(join(import.meta.dirname, 'protobuf/testdata/configmap.pb'));
  const cm = decodeBody(pb, 'application/vnd.kubernetes.protobuf', 10_000) as { kind: string; data: Record<string, string> };
  assert.equal(cm.kind, 'ConfigMap');
  assert.deepEqual(cm.data, { greeting: 'hello' });
  // The same envelope re-labelled apps/v1 StatefulSet: a kind outside the tables.
  const sts = Buffer.concat([
    Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x16, 0x0a, 0x07]),
    Buffer.from('apps/v1'),
    Buffer.from([0x12, 0x0b]),
    Buffer.from('StatefulSet'),
  ]);
  assertApiError(
    () => decodeBody(sts, 'application/vnd.kubernetes.protobuf', 10_000),
    415,
    /could not be read as application\/vnd\.kubernetes\.protobuf: .*send apps\/v1 StatefulSet as application\/json/,
  );
});
