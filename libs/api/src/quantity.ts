/**
 * Resource quantities ('100m', '1.5Gi', '1e3') parsed and printed like k8s.io/apimachinery's
 * resource.Quantity: exact decimal arithmetic (BigInt mantissa × 10^exponent), values rounded up
 * to the nano unit, and the same canonical string form.
 */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binaryByExponent = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e, s]));

const NANO_EXPONENT = -9;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function divCeilAbs(a: bigint, b: bigint): bigint {
  // Round away from zero, as Kubernetes' inf.RoundUp does for both signs.
  const q = a / b;
  return q * b === a ? q : a < 0n ? q - 1n : q + 1n;
}

export class Quantity {
  /** The value is `mantissa × 10^exponent`. */
  readonly mantissa: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;

  constructor(mantissa: bigint, exponent: number, format: QuantityFormat) {
    // Normalise: strip trailing zeros so equal values compare and print the same.
    let m = mantissa;
    let e = exponent;
    if (m === 0n) e = 0;
    while (m !== 0n && m % 10n === 0n) {
      m /= 10n;
      e++;
    }
    this.mantissa = m;
    this.exponent = e;
    this.format = format;
  }

  isZero(): boolean {
    return this.mantissa === 0n;
  }

  sign(): number {
    return this.mantissa === 0n ? 0 : this.mantissa < 0n ? -1 : 1;
  }

  /** The value scaled to 10^scale, rounded up (away from zero) like Quantity.ScaledValue. */
  scaledValue(scale: number): bigint {
    const shift = this.exponent - scale;
    if (shift >= 0) return this.mantissa * pow10(shift);
    return divCeilAbs(this.mantissa, pow10(-shift));
  }

  /** Quantity.MilliValue: thousandths, rounded up. '100m' → 100, '1' → 1000, '1n' → 1. */
  toMilli(): number {
    return Number(this.scaledValue(-3));
  }

  /** Quantity.Value: whole units, rounded up. '1.5' → 2, '1Ki' → 1024. */
  toInteger(): number {
    return Number(this.scaledValue(0));
  }

  /** The value as a float (may lose precision for huge values). */
  toNumber(): number {
    return Number(`${this.mantissa}e${this.exponent}`);
  }

  cmp(other: Quantity): number {
    const e = Math.min(this.exponent, other.exponent);
    const a = this.mantissa * pow10(this.exponent - e);
    const b = other.mantissa * pow10(other.exponent - e);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  add(other: Quantity): Quantity {
    const e = Math.min(this.exponent, other.exponent);
    const sum = this.mantissa * pow10(this.exponent - e) + other.mantissa * pow10(other.exponent - e);
    return new Quantity(sum, e, this.format);
  }

  /** The canonical form Kubernetes prints (Quantity.String()). */
  toString(): string {
    if (this.mantissa === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      // Small or fractional binary values print as decimal so nothing is rounded.
      const whole = this.exponent >= 0;
      const abs = this.mantissa < 0n ? -this.mantissa : this.mantissa;
      if (!whole || abs * pow10(this.exponent) < 1024n) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      let value = this.mantissa * pow10(this.exponent);
      let exp2 = 0;
      while (exp2 < 60 && value % 1024n === 0n) {
        value /= 1024n;
        exp2 += 10;
      }
      return `${value}${binaryByExponent.get(exp2) ?? ''}`;
    }
    // Decimal: lower the exponent to a multiple of 3 (1.5k → 1500, 0.5 → 500m).
    let m = this.mantissa;
    let e = this.exponent;
    const rem = ((e % 3) + 3) % 3;
    if (rem !== 0) {
      m *= pow10(rem);
      e -= rem;
    }
    if (format === 'DecimalExponent') return e === 0 ? `${m}` : `${m}e${e}`;
    const suffix = decimalByExponent.get(e);
    return suffix === undefined ? `${m}e${e}` : `${m}${suffix}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

export class QuantityError extends Error {}

/** Parses a quantity; throws QuantityError with Kubernetes' message when malformed. */
export function parseQuantity(input: string | number): Quantity {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new QuantityError(QUANTITY_FORMAT_ERROR);
    input = String(input);
  }
  const s = input;
  if (s.length === 0) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const [, signStr, intDigits, fracDigits = '', suffix] = m;
  if (!/^[eEinumkKMGTP]*[-+]?[0-9]*$/.test(suffix)) throw new QuantityError(QUANTITY_FORMAT_ERROR);

  let mantissa = BigInt((intDigits || '0') + fracDigits);
  let exponent = -fracDigits.length;
  let format: QuantityFormat;
  if (suffix in decimalSuffixes) {
    format = 'DecimalSI';
    exponent += decimalSuffixes[suffix];
  } else if (suffix in binarySuffixes) {
    format = 'BinarySI';
    mantissa *= 1n << BigInt(binarySuffixes[suffix]);
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    const exp = Number(suffix.slice(1));
    if (!Number.isSafeInteger(exp) || Math.abs(exp) > 1000) throw new QuantityError(QUANTITY_SUFFIX_ERROR);
    exponent += exp;
  } else {
    throw new QuantityError(QUANTITY_SUFFIX_ERROR);
  }
  if (signStr === '-') mantissa = -mantissa;
  // Anything finer than a nano is rounded up to it: asking for a sliver still gets something.
  if (exponent < NANO_EXPONENT && mantissa !== 0n) {
    mantissa = divCeilAbs(mantissa, pow10(NANO_EXPONENT - exponent));
    exponent = NANO_EXPONENT;
  }
  return new Quantity(mantissa, exponent, format);
}

/** The canonical string for a quantity string, or undefined if it does not parse. */
export function canonicalQuantity(s: string | number): string | undefined {
  try {
    return parseQuantity(s).toString();
  } catch {
    return undefined;
  }
}
