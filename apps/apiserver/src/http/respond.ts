/**
 * Writing answers: JSON bodies and Status errors. Any error that is not an ApiError is
 * a bug or an outage: the client gets a 500 InternalError Status, the log gets the stack.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '@skiff/log';
import { ApiError, buildStatus, errors, type Status, type StatusDetails } from '../errors.ts';

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.statusCode = code;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** kube-apiserver's warning budget: 4096 characters in all; past it, each warning is cut to 256 and the rest omitted. */
const WARNINGS_TOTAL_CHARS = 4096;
const WARNING_TRUNCATED_CHARS = 256;

/**
 * Adds one `Warning: 299 - "text"` header per distinct warning, in RFC 7234's format as
 * kube-apiserver writes them (quotes and backslashes escaped). A warning with control
 * characters is dropped, as Kubernetes drops it: it could not travel in a header. A
 * request with thousands of unknown fields must not answer with a header block larger
 * than clients accept, hence the budget.
 */
export function addWarningHeaders(res: ServerResponse, warnings: readonly string[] | undefined): void {
  const distinct = [...new Set(warnings ?? [])].filter((w) => w !== '' && !/[\u0000-\u001f\u007f-\u009f]/.test(w));
  if (distinct.length === 0) return;
  const total = distinct.reduce((sum, w) => sum + [...w].length, 0);
  const texts = total <= WARNINGS_TOTAL_CHARS ? distinct : withinBudget(distinct);
  // Header values travel as bytes: UTF-8 written through Node's latin1 header encoding.
  const headers = texts.map((text) => Buffer.from(`299 - "${text.replace(/["\\]/g, '\\$&')}"`, 'utf8').toString('latin1'));
  res.setHeader('Warning', headers);
}

function withinBudget(warnings: string[]): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const warning of warnings) {
    const text = [...warning].slice(0, WARNING_TRUNCATED_CHARS).join('');
    const length = [...text].length;
    if (used + length > WARNINGS_TOTAL_CHARS) break;
    kept.push(text);
    used += length;
  }
  return kept;
}

/** The ApiError for anything thrown: ApiErrors as they are, everything else as 500. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof Error && err.name === 'ApiError' && typeof (err as ApiError).toStatus === 'function') return err as ApiError;
  return errors.internal('an unexpected error occurred while handling the request', err);
}

/** Answers with the error's Status; 5xx are logged with the original error. Returns the code sent. */
export function sendError(res: ServerResponse, err: unknown, logger: Logger, context: Record<string, unknown> = {}): number {
  const apiErr = toApiError(err);
  if (apiErr.code >= 500) logger.error({ ...context, err: apiErr === err ? err : (err as Error) }, 'request failed');
  if (res.headersSent) {
    // Mid-stream (a watch): nothing sensible can be written; end the response.
    res.end();
    return apiErr.code;
  }
  if (apiErr.details?.retryAfterSeconds) res.setHeader('Retry-After', String(apiErr.details.retryAfterSeconds));
  sendJson(res, apiErr.code, apiErr.toStatus());
  return apiErr.code;
}

/** A Success Status, as kube answers some deletes (deletecollection of nothing, etc.). */
export function successStatus(details?: StatusDetails): Status {
  return buildStatus({ status: 'Success', details });
}
