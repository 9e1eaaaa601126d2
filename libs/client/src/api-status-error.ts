import type { Status } from '@skiff/api';

/**
 * A non-2xx answer from the apiserver, carrying its `Status` object: callers branch on
 * `code` (404, 409, 410, ...) or `reason` ('NotFound', 'AlreadyExists', 'Conflict',
 * 'Expired', 'Gone', 'Invalid') as client-go's `apierrors.IsNotFound` & co. do.
 */
export class ApiStatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: Status;

  constructor(status: Status, context?: string) {
    const code = status.code ?? 0;
    const reason = status.reason ?? 'Unknown';
    super(`${context ? `${context}: ` : ''}${code} ${reason}: ${status.message ?? ''}`.trimEnd());
    this.name = 'ApiStatusError';
    this.code = code;
    this.reason = reason;
    this.status = status;
  }
}

/** Builds the Status for an answer whose body is not one (a proxy's HTML, an empty 503). */
export function statusFromResponse(code: number, body: string): Status {
  try {
    const parsed = JSON.parse(body) as Status;
    if (parsed && parsed.kind === 'Status') return { ...parsed, code: parsed.code ?? code };
  } catch {
    // Not JSON: fall through to a synthesized Status.
  }
  return {
    apiVersion: 'v1',
    kind: 'Status',
    status: 'Failure',
    code,
    reason: reasonForCode(code),
    message: body.slice(0, 500) || `HTTP ${code}`,
  };
}

function reasonForCode(code: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Gone',
    413: 'RequestEntityTooLarge',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[code] ?? 'Unknown';
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiStatusError && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiStatusError && err.code === 409 && err.reason !== 'AlreadyExists';
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiStatusError && err.reason === 'AlreadyExists';
}

/** 410: the resourceVersion asked for was compacted away ('Expired' or 'Gone'); relist. */
export function isResourceExpired(err: unknown): boolean {
  return err instanceof ApiStatusError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}
