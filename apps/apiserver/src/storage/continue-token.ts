/**
 * Continue tokens for paged lists. Like kube-apiserver's, a token is base64 JSON holding the
 * revision of the first page (later pages read that snapshot, so a paged list is consistent)
 * and the key to resume from. The key is kept relative to the list prefix so a token from one
 * namespace cannot be replayed to read another.
 */
import { errors } from '../errors.ts';

export interface ContinueToken {
  /** etcd revision of the first page. */
  revision: number;
  /** Resume key, relative to the list prefix. */
  start: string;
}

export function encodeContinueToken(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'skiff/1', rv: token.revision, start: token.start })).toString('base64url');
}

export function decodeContinueToken(raw: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 or JSON');
  }
  const value = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (
    value.v !== 'skiff/1' ||
    typeof value.rv !== 'number' ||
    !Number.isSafeInteger(value.rv) ||
    value.rv <= 0 ||
    typeof value.start !== 'string' ||
    value.start.includes('..') ||
    value.start.startsWith('/')
  ) {
    throw errors.badRequest('continue key is not valid: unknown format or version');
  }
  return { revision: value.rv, start: value.start };
}
