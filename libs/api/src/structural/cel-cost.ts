/**
 * A static estimate of what a validation rule costs, to refuse at CRD write the rules
 * kube-apiserver refuses for cost: comprehensions (all, exists, map, filter...) over lists and
 * maps whose size the schema does not bound, nested in each other or on nodes that repeat inside
 * unbounded lists. Unbounded sizes come, as upstream, from the largest request (3 MiB) divided by
 * the smallest JSON an item can take. The estimate counts one step per field access, variable,
 * operator and call and nothing for string lengths, so it is a lower bound of cel-go's: a rule it
 * refuses upstream refuses too, while some rules upstream refuses (long strings scanned in big
 * lists) pass here.
 */
import type { CelNode } from '../cel/index.ts';
import type { JsonSchema } from './index.ts';
import { isPlainObject, properties, subSchema } from './paths.ts';

/** apiextensions' StaticEstimatedCostLimit: one rule, times how often its node can occur. */
export const RULE_COST_LIMIT = 10_000_000;
const MAX_REQUEST_BYTES = 3 * 1024 * 1024;
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter', 'transformList', 'transformMap']);

interface Estimate {
  cost: number;
  /** The schema of the value, where the expression leads to a schema node. */
  schema?: JsonSchema;
}

/** The fewest bytes a value of the schema serializes to: `""`, `0`, `{}`, `[]`, `true`. */
function minJsonSize(s: JsonSchema | undefined): number {
  switch (s?.type) {
    case 'string':
    case 'object':
    case 'array':
      return 2;
    case 'boolean':
      return 4;
    default:
      return 1;
  }
}

/** How many items a list (or entries a map) of this schema can hold. */
export function maxCardinality(s: JsonSchema | undefined): number {
  if (!s) return 1; // unknown (dyn) values are not estimated: lenient rather than refusing what upstream may accept
  if (s.type === 'array') {
    if (typeof s.maxItems === 'number') return s.maxItems;
    return Math.floor((MAX_REQUEST_BYTES - 2) / (minJsonSize(subSchema(s, 'items')) + 1));
  }
  const additional = subSchema(s, 'additionalProperties');
  if (additional) {
    if (typeof s.maxProperties === 'number') return s.maxProperties;
    // `"":<value>,` per entry
    return Math.floor((MAX_REQUEST_BYTES - 2) / (minJsonSize(additional) + 4));
  }
  return Object.keys(properties(s) ?? {}).length || 1;
}

/** What an element (list item) or a key/value of the collection is. */
function elementSchema(s: JsonSchema | undefined): JsonSchema | undefined {
  if (!s) return undefined;
  return s.type === 'array' ? subSchema(s, 'items') : subSchema(s, 'additionalProperties');
}

function fieldSchema(s: JsonSchema | undefined, name: unknown): JsonSchema | undefined {
  if (!s || typeof name !== 'string') return undefined;
  return properties(s)?.[name] ?? subSchema(s, 'additionalProperties');
}

function isNode(v: unknown): v is CelNode {
  return isPlainObject(v) && typeof v.op === 'string';
}

function sumOf(children: unknown, scope: Map<string, JsonSchema | undefined>): number {
  let cost = 0;
  const visit = (c: unknown): void => {
    if (isNode(c)) cost += estimate(c, scope).cost;
    else if (Array.isArray(c)) c.forEach(visit);
  };
  visit(children);
  return cost;
}

/** `range.all(x, body)`: the body once per element, with x bound to the element's schema. */
function comprehension(name: string, range: unknown, args: unknown[], scope: Map<string, JsonSchema | undefined>): Estimate {
  const over = isNode(range) ? estimate(range, scope) : { cost: 0 };
  const card = maxCardinality(over.schema);
  const inner = new Map(scope);
  const vars = args.slice(0, name === 'transformList' || name === 'transformMap' ? 2 : 1);
  const isList = over.schema?.type === 'array';
  vars.forEach((v, i) => {
    // One variable: the list item or the map key; two: index/key then item/value.
    const el = vars.length === 1 && !isList ? { type: 'string' } : i === vars.length - 1 ? elementSchema(over.schema) : undefined;
    if (isNode(v) && v.op === 'id') inner.set(String(v.args), el);
  });
  const body = sumOf(args.slice(vars.length), inner);
  const cost = over.cost + card * (body + 1);
  // map/filter answer a list no longer than the range: a comprehension over it repeats as often.
  const schema = name === 'filter' ? over.schema : name === 'map' ? { type: 'array', maxItems: card } : undefined;
  return { cost, schema };
}

function estimate(node: CelNode, scope: Map<string, JsonSchema | undefined>): Estimate {
  const args = node.args;
  switch (node.op) {
    case 'value':
      return { cost: 0 };
    case 'id':
      return { cost: 1, schema: scope.get(String(args)) };
    case '.':
    case '.?': {
      const [operand, field] = args as [unknown, unknown];
      const of = isNode(operand) ? estimate(operand, scope) : { cost: 0 };
      return { cost: of.cost + 1, schema: fieldSchema(of.schema, field) };
    }
    case '[]': {
      const [operand, index] = args as [unknown, unknown];
      const of = isNode(operand) ? estimate(operand, scope) : { cost: 0 };
      return { cost: of.cost + sumOf(index, scope) + 1, schema: elementSchema(of.schema) };
    }
    case 'rcall': {
      const [name, receiver, callArgs] = args as [string, unknown, unknown[]];
      if (COMPREHENSIONS.has(name) && Array.isArray(callArgs) && isNode(callArgs[0]) && callArgs[0].op === 'id') {
        return comprehension(name, receiver, callArgs, scope);
      }
      return { cost: sumOf([receiver, callArgs], scope) + 1 };
    }
    default:
      return { cost: sumOf(args, scope) + 1 };
  }
}

/** The estimated cost of one evaluation of an expression with self (and oldSelf) at `schema`. */
export function estimateRuleCost(ast: CelNode, schema: JsonSchema): number {
  return estimate(
    ast,
    new Map([
      ['self', schema],
      ['oldSelf', schema],
    ]),
  ).cost;
}

/** Kubernetes' wording: "more than 100x", "2.5x", or six decimals just above 1 (never "1.0x"). */
export function costExceededMessage(what: string, cost: number, limit: number): string {
  const factor = cost / limit;
  const shown = factor > 100 ? 'more than 100x' : factor < 1.5 ? `${factor.toFixed(6)}x` : `${factor.toFixed(1)}x`;
  return `${what} exceeds budget by factor of ${shown} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}
