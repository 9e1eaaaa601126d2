/**
 * The grpc prober: one unary call of grpc.health.v1.Health/Check over plaintext HTTP/2, encoded
 * by hand (the request is one optional string field, the answer one enum), which spares the
 * kubelet a gRPC stack. SERVING succeeds; any other answer or RPC error fails, worded as upstream.
 */
import http2 from 'node:http2';
import { PROBE_USER_AGENT } from './http-probe.ts';
import { describeDialError, joinHostPort } from './net-errors.ts';
import { failure, success, type ProbeOutcome } from './types.ts';

const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const GRPC_CODES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];
const UNIMPLEMENTED = 12;

export function probeGrpc(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  const address = joinHostPort(host, port);
  const seconds = `${timeoutMs / 1000}s`;
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const client = http2.connect(`http://${address}`);
    const timer = setTimeout(
      () =>
        finish(
          failure(connected ? `timeout: health rpc did not complete within ${seconds}` : `timeout: failed to connect service "${address}" within ${seconds}`),
        ),
      timeoutMs,
    );
    function finish(outcome: ProbeOutcome): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.destroy();
      resolve(outcome);
    }
    client.on('connect', () => {
      connected = true;
    });
    client.on('error', (err) => finish(failure(`failed to connect service "${address}": ${describeDialError(address, err)}`)));

    const req = client.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': PROBE_USER_AGENT,
    });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    let message = '';
    const takeStatus = (headers: http2.IncomingHttpHeaders) => {
      if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']);
      if (headers['grpc-message'] !== undefined) message = decodeURIComponent(String(headers['grpc-message']));
    };
    req.on('response', takeStatus);
    req.on('trailers', takeStatus);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // Before the connection is up, the session's own error (the dial error) says it better.
    req.on('error', (err) => (connected ? finish(failure(`health rpc failed: ${err.message}`)) : undefined));
    req.on('end', () => finish(interpret(status, message, Buffer.concat(chunks))));
    req.end(frame(encodeRequest(service)));
  });
}

function interpret(status: string | undefined, message: string, body: Buffer): ProbeOutcome {
  const code = Number(status ?? GRPC_CODES.indexOf('Unknown'));
  if (code === UNIMPLEMENTED) return failure(`this server does not implement the grpc health protocol (grpc.health.v1.Health): ${message}`);
  if (code !== 0) return failure(`health rpc failed: rpc error: code = ${GRPC_CODES[code] ?? code} desc = ${message}`);
  const serving = decodeResponse(body.subarray(5));
  if (serving === 1) return success();
  return failure(`service unhealthy (responded with "${SERVING_STATUS[serving] ?? serving}")`);
}

/** A gRPC message frame: uncompressed flag, 4-byte big-endian length, the protobuf bytes. */
function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** HealthCheckRequest { string service = 1; } */
function encodeRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const bytes = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), varint(bytes.length), bytes]);
}

/** HealthCheckResponse { ServingStatus status = 1; }: the status, 0 (UNKNOWN) when absent. */
function decodeResponse(buf: Buffer): number {
  let i = 0;
  let status = 0;
  const readVarint = (): number => {
    let value = 0;
    for (let shift = 0; i < buf.length; shift += 7) {
      const b = buf[i++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    return value;
  };
  while (i < buf.length) {
    const tag = readVarint();
    const wire = tag & 7;
    if (tag >> 3 === 1 && wire === 0) status = readVarint();
    else if (wire === 0) readVarint();
    else if (wire === 2) i += readVarint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else break;
  }
  return status;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
