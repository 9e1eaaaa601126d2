export { CelError, type CelNode, compileCel, evaluateCel, evaluateCelRaw, parseCel, type CelOptions } from './cel.ts';
export { fromCelValue, toCelValue } from './cel-values.ts';
export { celTypeChecker, type CelCheck, type CelType } from './typed-check.ts';
