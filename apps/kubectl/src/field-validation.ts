/**
 * kubectl's `--validate`: how the server treats fields its schema does not know. kubectl
 * defaults to strict (since 1.25 it asks the server with `fieldValidation=Strict`), while a
 * request that names nothing is Warn on the server; so Skiff's kubectl always says what it wants.
 */
import { CliError } from './errors.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export const VALIDATE_FLAG = { name: 'validate', type: 'string' } as const;

/** `--validate` value → the fieldValidation query parameter: true|strict, warn, false|ignore. */
export function fieldValidationOf(value: string | undefined): FieldValidation {
  switch ((value ?? 'strict').toLowerCase()) {
    case 'true':
    case 'strict':
      return 'Strict';
    case 'warn':
      return 'Warn';
    case 'false':
    case 'ignore':
      return 'Ignore';
    default:
      throw new CliError(`invalid - validate option "${value}"; must be one of: strict (or true), warn, ignore (or false)`);
  }
}
