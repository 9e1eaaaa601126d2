import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtobufBody, ProtobufDecodeError } from './decode-protobuf-body.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const recorded = (name: string): Buffer => readFileSync(join(TESTDATA, `${name}.pb`));

/** kubectl's dry-run JSON writes `creationTimestamp: null`; a protobuf zero time is simply absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

for (const file of readdirSync(TESTDATA).filter((f) => f.endsWith('.pb') && existsSync(join(TESTDATA, f.replace(/\.pb$/, '.json'))))) {
  const name = file.replace(/\.pb$/, '');
  test(`kubectl's protobuf ${name} decodes to the JSON kubectl would have sent`, () => {
    const want = withoutNulls(JSON.parse(readFileSync(join(TESTDATA, `${name}.json`), 'utf8')));
    assert.deepEqual(decodeProtobufBody(recorded(name)), want);
  });
}

test('a pointer field keeps its zero: create deployment --replicas=0', () => {
  const d = decodeProtobufBody(recorded('deployment-command')) as { spec: { replicas?: number; template: { spec: { containers: { command: string[] }[] } } } };
  assert.equal(d.spec.replicas, 0);
  assert.deepEqual(d.spec.template.spec.containers[0]!.command, ['sleep', '3600']);
});

test('bytes fields come out base64 as in JSON, including non-UTF-8 data', () => {
  const cm = decodeProtobufBody(recorded('configmap')) as { binaryData: Record<string, string> };
  const blob = Buffer.from(cm.binaryData.blob!, 'base64');
  assert.equal(blob.length, 34);
  assert.deepEqual([...blob.subarray(-2)], [0xff, 0xfe]);
});

test('a named targetPort stays a string, a numbered one a number', () => {
  const svc = decodeProtobufBody(recorded('service-clusterip')) as { spec: { ports: { targetPort: unknown }[] } };
  assert.deepEqual(
    svc.spec.ports.map((p) => p.targetPort),
    [8080, 'https'],
  );
});

test('kubectl auth can-i: resource and non-resource reviews', () => {
  assert.deepEqual(decodeProtobufBody(recorded('access-review-resource')), {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: { namespace: 'pbfix', verb: 'create', resource: 'pods' } },
    status: {},
  });
  const nonResource = decodeProtobufBody(recorded('access-review-nonresource')) as { spec: unknown };
  assert.deepEqual(nonResource.spec, { nonResourceAttributes: { path: '/healthz', verb: 'get' } });
});

test('kubectl auth whoami: an empty SelfSubjectReview', () => {
  assert.deepEqual(decodeProtobufBody(recorded('self-subject-review')), {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: {},
    status: { userInfo: {} },
  });
});

test('kubectl certificate approve: the whole CSR with the Approved condition and timestamps', () => {
  const csr = decodeProtobufBody(recorded('csr-approval')) as {
    metadata: { name: string; creationTimestamp: string; generation: number };
    spec: { signerName: string; usages: string[]; groups: string[]; request: string };
    status: { conditions: Record<string, string>[] };
  };
  assert.equal(csr.metadata.name, 'bob');
  assert.match(csr.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(csr.spec.signerName, 'kubernetes.io/kube-apiserver-client');
  assert.deepEqual(csr.spec.usages, ['client auth']);
  assert.match(Buffer.from(csr.spec.request, 'base64').toString(), /BEGIN CERTIFICATE REQUEST/);
  assert.equal(csr.status.conditions.length, 1);
  assert.equal(csr.status.conditions[0]!.type, 'Approved');
  assert.equal(csr.status.conditions[0]!.status, 'True');
  assert.equal(csr.status.conditions[0]!.reason, 'KubectlApprove');
});

test('kubectl drain: DeleteOptions with the grace period', () => {
  assert.deepEqual(decodeProtobufBody(recorded('delete-options')), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 3 });
});

// Hand-built messages for what kubectl never sends.
function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}
const field = (n: number, bytes: number[]): number[] => [...varint((n << 3) | 2), ...varint(bytes.length), ...bytes];
const scalar = (n: number, value: number): number[] => [...varint(n << 3), ...varint(value)];
const text = (s: string): number[] => [...Buffer.from(s)];
function envelope(apiVersion: string, kind: string, raw: number[]): Buffer {
  return Buffer.from([0x6b, 0x38, 0x73, 0x00, ...field(1, [...field(1, text(apiVersion)), ...field(2, text(kind))]), ...field(2, raw)]);
}

test('negative and 64-bit integers decode as Go wrote them', () => {
  const options = decodeProtobufBody(envelope('v1', 'DeleteOptions', scalar(1, -1))) as { gracePeriodSeconds: number };
  assert.equal(options.gracePeriodSeconds, -1);
  const meta = decodeProtobufBody(envelope('v1', 'ConfigMap', field(1, scalar(7, 2 ** 40)))) as { metadata: { generation: number } };
  assert.equal(meta.metadata.generation, 2 ** 40);
});

test('a kind outside the tables is refused as unsupported, naming what is readable', () => {
  assert.throws(
    () => decodeProtobufBody(envelope('apps/v1', 'StatefulSet', [])),
    (err: unknown) =>
      err instanceof ProtobufDecodeError &&
      err.unsupported &&
      /apps\/v1 StatefulSet as application\/json/.test(err.message) &&
      /apps\/v1 Deployment/.test(err.message),
  );
});

test('a field outside the tables is refused with its number, never dropped', () => {
  // Field 99 of ConfigMap does not exist in Skiff's table.
  assert.throws(
    () => decodeProtobufBody(envelope('v1', 'ConfigMap', field(99, []))),
    (err: unknown) => err instanceof ProtobufDecodeError && err.unsupported && /ConfigMap: field 99 of ConfigMap/.test(err.message),
  );
});

test('malformed bodies are errors, not guesses', () => {
  for (const bad of [
    Buffer.from('{"kind":"ConfigMap"}'),
    recorded('deployment').subarray(0, 40),
    envelope('v1', 'ConfigMap', [...varint((1 << 3) | 0), 5]), // metadata as a varint
  ]) {
    assert.throws(
      () => decodeProtobufBody(bad),
      (err: unknown) => err instanceof ProtobufDecodeError && !err.unsupported,
    );
  }
});
