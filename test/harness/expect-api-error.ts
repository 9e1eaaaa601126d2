import assert from 'node:assert/strict';

/** The parts of a Kubernetes `Status` the suites check. */
export interface StatusBody {
  kind?: string;
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: { field?: string; reason?: string; message?: string }[]; [k: string]: unknown };
}

function parseBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return (body ?? {}) as StatusBody;
}

/**
 * Awaits a @kubernetes/client-node call that must fail with HTTP `code` (and the Status
 * `reason`, when given); returns the Status for further checks.
 */
export async function expectApiError(call: Promise<unknown>, code: number, reason?: string): Promise<StatusBody> {
  let result: unknown;
  try {
    result = await call;
  } catch (err) {
    const e = err as { code?: number; body?: unknown; message?: string };
    const status = parseBody(e.body);
    assert.equal(e.code, code, `want HTTP ${code}, got ${e.code}: ${e.message?.slice(0, 400)}`);
    if (reason !== undefined) assert.equal(status.reason, reason, `want reason ${reason}: ${JSON.stringify(status).slice(0, 400)}`);
    assert.equal(status.kind, 'Status', `error body is not a Status: ${JSON.stringify(status).slice(0, 400)}`);
    return status;
  }
  assert.fail(`want HTTP ${code}${reason ? ` ${reason}` : ''}, but the call succeeded: ${JSON.stringify(result).slice(0, 300)}`);
}
