/** A label or field selector that does not parse; the registry answers 400 BadRequest with its message. */
export class SelectorError extends Error {
  override name = 'SelectorError';
}
