/**
 * Kubernetes' CEL quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go) on our
 * Quantity: `quantity("500m").isLessThan(quantity("1"))`, compareTo, add/sub, asInteger...
 */
import { EvaluationError, type Environment } from '@marcbachmann/cel-js';
import { parseQuantity, Quantity } from '../quantity.ts';

function parse(s: string): Quantity {
  try {
    return parseQuantity(s);
  } catch (err) {
    throw new EvaluationError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${(err as Error).message}`);
  }
}

function negate(q: Quantity): Quantity {
  return new Quantity(-q.mantissa, q.exponent, q.format);
}

function asInteger(q: Quantity): bigint {
  const v = q.scaledValue(0);
  if (q.cmp(new Quantity(v, 0, q.format)) !== 0) throw new EvaluationError('cannot convert value to integer');
  if (v > 2n ** 63n - 1n || v < -(2n ** 63n)) throw new EvaluationError('cannot convert value to integer');
  return v;
}

export function registerQuantityLibrary(env: Environment): Environment {
  return env
    .registerType('Quantity', Quantity)
    .registerFunction('quantity(string): Quantity', parse)
    .registerFunction('isQuantity(string): bool', (s: string) => {
      try {
        parseQuantity(s);
        return true;
      } catch {
        return false;
      }
    })
    .registerFunction('Quantity.isLessThan(Quantity): bool', (a: Quantity, b: Quantity) => a.cmp(b) < 0)
    .registerFunction('Quantity.isGreaterThan(Quantity): bool', (a: Quantity, b: Quantity) => a.cmp(b) > 0)
    .registerFunction('Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) => BigInt(a.cmp(b)))
    .registerFunction('Quantity.sign(): int', (a: Quantity) => BigInt(a.sign()))
    .registerFunction('Quantity.isInteger(): bool', (a: Quantity) => a.cmp(new Quantity(a.scaledValue(0), 0, a.format)) === 0)
    .registerFunction('Quantity.asInteger(): int', asInteger)
    .registerFunction('Quantity.asApproximateFloat(): double', (a: Quantity) => a.toNumber())
    .registerFunction('Quantity.add(Quantity): Quantity', (a: Quantity, b: Quantity) => a.add(b))
    .registerFunction('Quantity.add(int): Quantity', (a: Quantity, b: bigint) => a.add(new Quantity(b, 0, a.format)))
    .registerFunction('Quantity.sub(Quantity): Quantity', (a: Quantity, b: Quantity) => a.add(negate(b)))
    .registerFunction('Quantity.sub(int): Quantity', (a: Quantity, b: bigint) => a.add(new Quantity(-b, 0, a.format)));
}
