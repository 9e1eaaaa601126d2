/**
 * PodDisruptionBudget bodies as client-go marshals them (gogo protobuf: every non-pointer scalar
 * written, even zero), built here field by field from k8s.io/api/policy/v1/generated.proto.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtobufBody } from './decode-protobuf-body.ts';

type Field = [number, number | string | Uint8Array];

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

/** A message: numbers as varints, strings and nested messages length-delimited. */
function msg(...fields: Field[]): Uint8Array {
  const out: number[] = [];
  for (const [num, value] of fields) {
    if (typeof value === 'number') {
      out.push(...varint(num << 3), ...varint(value));
    } else {
      const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
      out.push(...varint((num << 3) | 2), ...varint(bytes.length), ...bytes);
    }
  }
  return Uint8Array.from(out);
}

function envelope(raw: Uint8Array): Buffer {
  const unknown = msg([1, msg([1, 'policy/v1'], [2, 'PodDisruptionBudget'])], [2, raw], [4, 'application/vnd.kubernetes.protobuf']);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}

const intValue = (n: number) => msg([1, 0], [2, n]);
const strValue = (s: string) => msg([1, 1], [3, s]);
const meta = msg([1, 'web'], [3, 'default']);
const appWeb = msg([1, msg([1, 'app'], [2, 'web'])]);
const zeroStatus = msg([1, 0], [3, 0], [4, 0], [5, 0], [6, 0]);

test('kubectl create pdb web --selector=app=web --min-available=2', () => {
  const body = envelope(msg([1, meta], [2, msg([1, intValue(2)], [2, appWeb])], [3, zeroStatus]));
  assert.deepEqual(decodeProtobufBody(body), {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'default' },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
  });
});

test('minAvailable 0 and an empty selector (every pod) survive; percentages stay strings; the eviction policy', () => {
  const spec = msg([1, intValue(0)], [2, new Uint8Array()], [4, 'AlwaysAllow']);
  assert.deepEqual((decodeProtobufBody(envelope(msg([1, meta], [2, spec]))) as { spec: unknown }).spec, {
    minAvailable: 0,
    selector: {},
    unhealthyPodEvictionPolicy: 'AlwaysAllow',
  });
  const pct = msg([3, strValue('34%')], [2, appWeb]);
  assert.deepEqual((decodeProtobufBody(envelope(msg([1, meta], [2, pct]))) as { spec: unknown }).spec, {
    maxUnavailable: '34%',
    selector: { matchLabels: { app: 'web' } },
  });
});

test('a status with disruptedPods and a condition', () => {
  const at = msg([1, 1796644800]); // 2026-12-07T12:00:00Z
  const status = msg(
    [1, 3],
    [2, msg([1, 'web-1'], [2, at])],
    [3, 1],
    [4, 3],
    [5, 2],
    [6, 3],
    [7, msg([1, 'DisruptionAllowed'], [2, 'True'], [3, 3], [4, at], [5, 'SufficientPods'], [6, ''])],
  );
  assert.deepEqual((decodeProtobufBody(envelope(msg([1, meta], [3, status]))) as { status: unknown }).status, {
    observedGeneration: 3,
    disruptedPods: { 'web-1': '2026-12-07T12:00:00Z' },
    disruptionsAllowed: 1,
    currentHealthy: 3,
    desiredHealthy: 2,
    expectedPods: 3,
    // Condition.message is always on the wire, so an empty one survives as JSON's "" does.
    conditions: [
      { type: 'DisruptionAllowed', status: 'True', observedGeneration: 3, lastTransitionTime: '2026-12-07T12:00:00Z', reason: 'SufficientPods', message: '' },
    ],
  });
});
