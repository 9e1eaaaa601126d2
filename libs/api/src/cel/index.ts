export { CelError, compileCel, evaluateCel, evaluateCelRaw, type CelOptions } from './cel.ts';
export { fromCelValue, toCelValue } from './cel-values.ts';
