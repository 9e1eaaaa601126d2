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
