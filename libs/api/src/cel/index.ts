export { CelError, compileCel, evaluateCel, evaluateCelRaw, type CelOptions } from './cel.ts';
export { fromCelValue, toCelValue } from './cel-values.ts';
export { celTypeChecker, type CelCheck, type CelType } from './typed-check.ts';
