/**
 * What a schema node needs at every write, worked out once per node: its pattern as a RegExp,
 * its enum for lookups, its CEL rules. Keyed by the node itself (a WeakMap), so a CRD update that
 * replaces the schema drops the old entries with it.
 */
import type { JsonSchema } from './index.ts';
import { isPlainObject } from './paths.ts';

export interface CompiledRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
  /** Transition rules (naming oldSelf) run only on update when an old value correlates. */
  transition: boolean;
}

export interface CompiledNode {
  pattern?: RegExp;
  /** The pattern does not compile: reported when the schema is validated, ignored for values. */
  patternError?: string;
  enumKeys?: Set<string>;
  rules: CompiledRule[];
  /** Properties that carry a (non-null) default, for defaulting without scanning every property. */
  defaulted: [string, JsonSchema][];
}

const cache = new WeakMap<JsonSchema, CompiledNode>();

/**
 * Enum members and values compared by a canonical key: scalars by type and text (the common,
 * cheap case), objects and arrays by JSON with sorted keys.
 */
export function enumKey(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return `s${v}`;
    case 'number':
    case 'boolean':
      return `${typeof v}${v}`;
    default:
      if (v === null || v === undefined) return 'null';
      return `o${JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x))}`;
  }
}

/**
 * A Go (RE2) pattern as a JavaScript RegExp. The syntaxes agree on what CRDs use, but for RE2's
 * leading flag group `(?i)`/`(?s)`/`(?m)` and `\A`/`\z`. Unicode mode first (code points, `\p{L}`);
 * without it when the pattern leans on escapes unicode mode refuses (`\_`), which RE2 accepts.
 */
export function goRegExp(pattern: string): RegExp {
  let source = pattern;
  let flags = '';
  const lead = /^\(\?([ims]+)\)/.exec(source);
  if (lead) {
    flags = lead[1];
    source = source.slice(lead[0].length);
  }
  source = source.replace(/(^|[^\\])\\A/g, '$1^').replace(/(^|[^\\])\\z/g, '$1$$');
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    return new RegExp(source, flags);
  }
}

function compileNode(schema: JsonSchema): CompiledNode {
  const node: CompiledNode = { rules: [], defaulted: [] };
  const props = isPlainObject(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
  for (const [k, prop] of Object.entries(props)) {
    if (isPlainObject(prop) && prop.default !== undefined && prop.default !== null) node.defaulted.push([k, prop]);
  }
  if (typeof schema.pattern === 'string') {
    try {
      node.pattern = goRegExp(schema.pattern);
    } catch (err) {
      node.patternError = (err as Error).message;
    }
  }
  if (Array.isArray(schema.enum)) node.enumKeys = new Set(schema.enum.map(enumKey));
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    for (const r of rules as Record<string, unknown>[]) {
      if (typeof r?.rule !== 'string') continue;
      node.rules.push({
        rule: r.rule,
        message: typeof r.message === 'string' ? r.message : undefined,
        messageExpression: typeof r.messageExpression === 'string' ? r.messageExpression : undefined,
        fieldPath: typeof r.fieldPath === 'string' ? r.fieldPath : undefined,
        reason: typeof r.reason === 'string' ? r.reason : undefined,
        transition: /\boldSelf\b/.test(r.rule),
      });
    }
  }
  return node;
}

export function compiled(schema: JsonSchema): CompiledNode {
  let node = cache.get(schema);
  if (!node) {
    node = compileNode(schema);
    cache.set(schema, node);
  }
  return node;
}
