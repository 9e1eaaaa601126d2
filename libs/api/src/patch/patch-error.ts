/**
 * The one error every patch function throws. `kind` tells the apiserver which Status to
 * answer with, the way Kubernetes does for the same failures:
 *
 * - 'invalid': the body is not a patch of this type at all (a JSON patch that is not an
 *   array of operations, a malformed `$retainKeys`, an unknown `$patch` value, a list
 *   element without its merge key) → 400 BadRequest.
 * - 'conflict': a well-formed patch that does not apply to the current object (a JSON
 *   patch `test` that fails, a path that does not exist, a `$setElementOrder` list that
 *   contradicts the patch) → 422 with Kubernetes' message "the server rejected our
 *   request due to an error in our request" and this error's message as the cause.
 * - 'tooLarge': a patch past a size limit before anything is applied (more JSON patch
 *   operations than Kubernetes' 10,000) → 413 RequestEntityTooLarge.
 * - 'unsupported': a construct the patch format reserves but nobody implements (such as
 *   `$patch: merge` on a list element, which Kubernetes rejects too) → 415 or 400.
 *
 * `code` is that suggested HTTP status, so a caller need not keep its own table.
 */
export type PatchErrorKind = 'invalid' | 'conflict' | 'tooLarge' | 'unsupported';

const codeByKind: Record<PatchErrorKind, number> = { invalid: 400, conflict: 422, tooLarge: 413, unsupported: 415 };

export class PatchError extends Error {
  readonly kind: PatchErrorKind;
  readonly code: number;
  /** Where in the object (JSON pointer for JSON patch, dotted path otherwise), when known. */
  readonly path: string | undefined;

  constructor(kind: PatchErrorKind, message: string, options?: ErrorOptions & { path?: string }) {
    super(message, options);
    this.name = 'PatchError';
    this.kind = kind;
    this.code = codeByKind[kind];
    this.path = options?.path;
  }
}
