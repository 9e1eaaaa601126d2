/**
 * The parts of Kubernetes' CEL libraries (k8s.io/apiserver/pkg/cel/library and cel-go's strings
 * extension) that the CEL library lacks and that cost little: list helpers, regex find, a few
 * string helpers (quantities: quantity-library.ts). url(), ip(), cidr() and authorizer checks are
 * not provided.
 */
import { EvaluationError, type Environment } from '@marcbachmann/cel-js';

type Comparable = bigint | number | string | boolean;

function compare(a: Comparable, b: Comparable): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function extreme(list: Comparable[], sign: 1 | -1, name: string): Comparable {
  if (list.length === 0) throw new EvaluationError(`${name} called on empty list`);
  return list.reduce((best, v) => (compare(v, best) * sign > 0 ? v : best));
}

function regexFor(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch (err) {
    throw new EvaluationError(`invalid regular expression: ${(err as Error).message}`);
  }
}

export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a, bigintAsString) === JSON.stringify(b, bigintAsString);
}

function bigintAsString(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

/** Registers the functions on `env` (before it is cloned or used). */
export function registerKubernetesLibrary(env: Environment): Environment {
  return env
    .registerFunction('list.isSorted(): bool', (list: Comparable[]) => list.every((v, i) => i === 0 || compare(list[i - 1], v) <= 0))
    .registerFunction('list<int>.sum(): int', (list: bigint[]) => list.reduce((a, b) => a + b, 0n))
    .registerFunction('list<double>.sum(): double', (list: number[]) => list.reduce((a, b) => a + b, 0))
    .registerFunction('list.min(): dyn', (list: Comparable[]) => extreme(list, -1, 'min'))
    .registerFunction('list.max(): dyn', (list: Comparable[]) => extreme(list, 1, 'max'))
    .registerFunction('list.indexOf(dyn): int', (list: unknown[], v: unknown) => BigInt(list.findIndex((x) => celEquals(x, v))))
    .registerFunction('list.lastIndexOf(dyn): int', (list: unknown[], v: unknown) => BigInt(list.findLastIndex((x) => celEquals(x, v))))
    .registerFunction('string.find(string): string', (s: string, re: string) => regexFor(re).exec(s)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (s: string, re: string) =>
      [...s.matchAll(new RegExp(regexFor(re).source, 'gu'))].map((m) => m[0]),
    )
    .registerFunction('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => {
      const all = [...s.matchAll(new RegExp(regexFor(re).source, 'gu'))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    })
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      if (i < 0n || i > BigInt(s.length)) throw new EvaluationError(`index out of range: ${i}`);
      return s.charAt(Number(i));
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.replaceAll(a, b))
    .registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''));
}
