/** POST serviceaccounts/<name>/token: the TokenRequest API (to be written). */
import { ApiError } from '../errors.ts';
import type { RegistryContext } from './context.ts';
import type { WriteOptions, WriteResult } from './handlers.ts';

export function createTokenRequest(_ctx: RegistryContext, _namespace: string, _name: string, _body: unknown, _opts: WriteOptions): Promise<WriteResult> {
  return Promise.reject(new ApiError(404, 'NotFound', 'the server could not find the requested resource'));
}
