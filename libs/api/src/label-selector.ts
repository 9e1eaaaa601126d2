/**
 * Label selectors as Kubernetes parses them (k8s.io/apimachinery/pkg/labels): the string syntax
 * `a=b,c!=d,e in (x,y),f notin (z),g,!h,i>5`, and the structured `{matchLabels, matchExpressions}`.
 * Error messages follow Kubernetes' parser word for word so clients see the same text.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { checkLabelValue, checkQualifiedName } from './names.ts';
import { SelectorError } from './selector-error.ts';

export type SelectorOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  /** Sorted, unique. */
  values: string[];
}

export type Labels = Record<string, string> | undefined;

export interface Selector {
  requirements: Requirement[];
  /** True when the selector selects everything (no requirements). */
  empty: boolean;
  matches(labels: Labels): boolean;
  toString(): string;
}

type Token = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

const keywordTokens = new Map<string, Token>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return '=!(),><'.includes(ch);
}

function lex(input: string): { tok: Token; lit: string }[] {
  const items: { tok: Token; lit: string }[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isWhitespace(input[pos])) pos++;
    if (pos >= input.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecialSymbol(input[pos])) {
      // Longest run of special symbols that still forms a known operator ('!=' not '!' '=').
      let buffer = '';
      let last: { tok: Token; lit: string } | undefined;
      while (pos < input.length && isSpecialSymbol(input[pos])) {
        buffer += input[pos];
        const tok = keywordTokens.get(buffer);
        if (tok) {
          last = { tok, lit: buffer };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      while (pos < input.length && !isSpecialSymbol(input[pos]) && !isWhitespace(input[pos])) buffer += input[pos++];
      items.push({ tok: keywordTokens.get(buffer) ?? 'id', lit: buffer });
    }
  }
}

class Parser {
  private items: { tok: Token; lit: string }[];
  private position = 0;

  constructor(input: string) {
    this.items = lex(input);
  }

  /** In value position, 'in' and 'notin' are plain identifiers ('x in (in)'). */
  private lookahead(values: boolean): [Token, string] {
    const { tok, lit } = this.items[Math.min(this.position, this.items.length - 1)];
    return [values && (tok === 'in' || tok === 'notin') ? 'id' : tok, lit];
  }

  private consume(values: boolean): [Token, string] {
    const result = this.lookahead(values);
    this.position++;
    return result;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const [tok, lit] = this.lookahead(true);
      if (tok === 'eos') return requirements;
      if (tok !== 'id' && tok !== '!') throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        requirements.push(this.parseRequirement());
      } catch (err) {
        throw new SelectorError(`unable to parse requirement: ${(err as Error).message}`);
      }
      const [t, l] = this.consume(true);
      if (t === 'eos') return requirements;
      if (t !== ',') throw new SelectorError(`found '${l}', expected: ',' or 'end of string'`);
      const [t2, l2] = this.lookahead(true);
      if (t2 !== 'id' && t2 !== '!') throw new SelectorError(`found '${l2}', expected: identifier after ','`);
    }
  }

  private parseRequirement(): Requirement {
    let [tok, lit] = this.consume(true);
    let doesNotExist = false;
    if (tok === '!') {
      doesNotExist = true;
      [tok, lit] = this.consume(true);
    }
    if (tok !== 'id') throw new Error(`found '${lit}', expected: identifier`);
    const key = lit;
    const [next] = this.lookahead(true);
    if (next === 'eos' || next === ',') return newRequirement(key, doesNotExist ? '!' : 'exists', []);
    if (doesNotExist) return newRequirement(key, '!', []); // leaves the rest to the caller's ',' check
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, operator, values);
  }

  private parseOperator(): SelectorOperator {
    const [tok, lit] = this.consume(false);
    switch (tok) {
      case 'in':
        return 'in';
      case 'notin':
        return 'notin';
      case '=':
        return '=';
      case '==':
        return '==';
      case '!=':
        return '!=';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new Error(`found '${lit}', expected: '=', '!=', '==', 'in', notin'`);
    }
  }

  private parseValues(): string[] {
    const [tok, lit] = this.consume(true);
    if (tok !== '(') throw new Error(`found '${lit}' expected: '('`);
    const [t, l] = this.lookahead(true);
    if (t === ')') {
      this.consume(true);
      return [''];
    }
    if (t !== 'id' && t !== ',') throw new Error(`found '${l}', expected: ',', ')' or identifier`);
    const values = new Set<string>();
    for (;;) {
      const [vt, vl] = this.consume(true);
      if (vt === 'id') {
        values.add(vl);
        const [t2, l2] = this.lookahead(true);
        if (t2 === ',') continue;
        if (t2 === ')') break;
        throw new Error(`found '${l2}', expected: ',' or ')'`);
      } else if (vt === ',') {
        // '(a,)', '(,a)' and '(a,,b)' all hold the empty value.
        if (values.size === 0) values.add('');
        const [t2] = this.lookahead(true);
        if (t2 === ')') {
          values.add('');
          break;
        }
        if (t2 === ',') {
          this.consume(true);
          values.add('');
        }
      } else {
        throw new Error(`found '${vl}', expected: ',', or identifier`);
      }
    }
    const [ct, cl] = this.consume(true);
    if (ct !== ')') throw new Error(`found '${cl}', expected: ')'`);
    return [...values];
  }

  private parseExactValue(): string[] {
    const [t] = this.lookahead(true);
    if (t === 'eos' || t === ',') return [''];
    const [tok, lit] = this.consume(true);
    if (tok === 'id') return [lit];
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** Builds a validated requirement; throws Error with Kubernetes' field-error wording. */
export function newRequirement(key: string, operator: SelectorOperator, values: string[]): Requirement {
  const keyErrs = checkQualifiedName(key);
  if (keyErrs.length) throw new SelectorError(`key: Invalid value: ${quote(key)}: ${keyErrs.join('; ')}`);
  const unique = [...new Set(values)].sort();
  switch (operator) {
    case 'in':
    case 'notin':
      if (unique.length === 0) throw new SelectorError(`values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case '=':
    case '==':
    case '!=':
      if (unique.length !== 1) throw new SelectorError('values: Invalid value: exact-match compatibility requires one single value');
      break;
    case 'exists':
    case '!':
      if (unique.length !== 0) throw new SelectorError('values: Invalid value: values set must be empty for exists and does not exist');
      break;
    case 'gt':
    case 'lt':
      if (unique.length !== 1) throw new SelectorError("values: Invalid value: for 'Gt', 'Lt' operators, exactly one value is required");
      if (!/^[-+]?\d+$/.test(unique[0])) {
        throw new SelectorError(`values[0]: Invalid value: ${quote(unique[0])}: for 'Gt', 'Lt' operators, the value must be an integer`);
      }
      return { key, operator, values: unique };
  }
  unique.forEach((v, i) => {
    const errs = checkLabelValue(v);
    if (errs.length) throw new SelectorError(`values[${i}][${key}]: Invalid value: ${quote(v)}: ${errs.join('; ')}`);
  });
  return { key, operator, values: unique };
}

function matchesRequirement(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(value);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[-+]?\d+$/.test(value)) return false;
      const a = BigInt(value);
      const b = BigInt(r.values[0]);
      return r.operator === 'gt' ? a > b : a < b;
    }
  }
}

function requirementToString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
      return `${r.key} in (${r.values.join(',')})`;
    case 'notin':
      return `${r.key} notin (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0]}`;
    case 'lt':
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0]}`;
  }
}

function makeSelector(requirements: Requirement[]): Selector {
  // Sorted by key, as Kubernetes does, for a deterministic string form.
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    empty: sorted.length === 0,
    matches: (labels) => sorted.every((r) => matchesRequirement(r, labels ?? {})),
    toString: () => sorted.map(requirementToString).join(','),
  };
}

/** Selects every object. */
export function everythingSelector(): Selector {
  return makeSelector([]);
}

/** Selects no object (Kubernetes' labels.Nothing(), for a nil LabelSelector). */
export function nothingSelector(): Selector {
  return { requirements: [], empty: false, matches: () => false, toString: () => '' };
}

/** Parses `?labelSelector=`; throws SelectorError with Kubernetes' message. */
export function parseLabelSelector(input: string): Selector {
  return makeSelector(new Parser(input).parse());
}

/** `matchLabels` as an equality selector (RC/Service `spec.selector` maps). */
export function selectorFromSet(set: Record<string, string> | undefined): Selector {
  return makeSelector(Object.entries(set ?? {}).map(([key, value]) => ({ key, operator: '=', values: [value] })));
}

/**
 * metav1.LabelSelectorAsSelector: undefined selects nothing, `{}` selects everything.
 * Throws SelectorError for an unknown operator or invalid key/values.
 */
export function fromLabelSelector(spec: LabelSelector | undefined | null): Selector {
  if (spec === undefined || spec === null) return nothingSelector();
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(spec.matchLabels ?? {})) requirements.push(newRequirement(key, '=', [value]));
  for (const expr of spec.matchExpressions ?? []) {
    const ops: Record<string, SelectorOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };
    const op = ops[expr.operator];
    if (!op) throw new SelectorError(`${quote(expr.operator)} is not a valid label selector operator`);
    requirements.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return makeSelector(requirements);
}

export function selectorToString(selector: Selector | LabelSelector): string {
  if ('matches' in selector) return selector.toString();
  return fromLabelSelector(selector).toString();
}

/** True when a LabelSelector selects the given labels (undefined selector: nothing). */
export function labelSelectorMatches(spec: LabelSelector | undefined, labels: Labels): boolean {
  return fromLabelSelector(spec).matches(labels);
}
