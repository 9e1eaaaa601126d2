/**
 * Is a CRD's openAPIV3Schema structural and supported? The checks and messages of
 * apiextensions-apiserver's CRD validation (ValidateCustomResourceDefinitionOpenAPISchema and
 * structural schema validation), with Kubernetes' paths: `...openAPIV3Schema.properties[spec].type`.
 */
import { celTypeChecker, parseCel } from '../cel/index.ts';
import { type FieldError, forbidden, invalid, notSupported, required } from '../validation/field-error.ts';
import { RULE_VARIABLES } from './cel-rules.ts';
import { costExceededMessage, estimateRuleCost, maxCardinality, RULE_COST_LIMIT } from './cel-cost.ts';
import { celTypeOf } from './cel-types.ts';
import type { JsonSchema } from './index.ts';
import { listMapKeys } from './list-types.ts';
import { isPlainObject, isTrue, properties, subSchema } from './paths.ts';
import { compiled } from './schema-cache.ts';
import { checkDefault } from './validate-default.ts';

type Level = 'root' | 'field' | 'item' | 'value';

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const UNSUPPORTED = ['$ref', '$schema', 'id', 'definitions', 'dependencies', 'patternProperties', 'additionalItems'];
const RULE_REASONS = ['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'];
const TYPE_REQUIRED: Record<Exclude<Level, 'value'>, string> = {
  root: 'must not be empty at the root',
  field: 'must not be empty for specified object fields',
  item: 'must not be empty for specified array items',
};

function checkKeywords(s: JsonSchema, path: string, errs: FieldError[]): void {
  for (const kw of UNSUPPORTED) if (s[kw] !== undefined) errs.push(forbidden(`${path}.${kw}`, `${kw} is not supported`));
  if (s.uniqueItems === true) {
    errs.push(forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  }
  if (Array.isArray(s.items)) errs.push(forbidden(`${path}.items`, 'items must be a schema object and not an array'));
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  }
  if (typeof s.pattern === 'string' && compiled(s).patternError) {
    errs.push(invalid(`${path}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${compiled(s).patternError}`));
  }
}

function checkType(s: JsonSchema, path: string, level: Level, errs: FieldError[]): void {
  const type = s.type;
  const intOrString = isTrue(s, 'x-kubernetes-int-or-string');
  const embedded = isTrue(s, 'x-kubernetes-embedded-resource');
  if (type !== undefined && !TYPES.includes(type as string)) errs.push(notSupported(`${path}.type`, type, TYPES));
  if (intOrString && type !== undefined) {
    errs.push(invalid(`${path}.type`, type, 'must be empty if x-kubernetes-int-or-string is true'));
  }
  if (embedded && type !== 'object') {
    if (type === undefined) errs.push(required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalid(`${path}.type`, type, 'must be object if x-kubernetes-embedded-resource is true'));
  }
  if (embedded && !isTrue(s, 'x-kubernetes-preserve-unknown-fields') && !properties(s)) {
    errs.push(required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  const typeless = intOrString || embedded || isTrue(s, 'x-kubernetes-preserve-unknown-fields');
  if (level !== 'value' && type === undefined && !typeless) errs.push(required(`${path}.type`, TYPE_REQUIRED[level]));
}

function checkObjectKeywords(s: JsonSchema, path: string, errs: FieldError[]): void {
  if (s.additionalProperties === false) {
    errs.push(forbidden(`${path}.additionalProperties`, 'additionalProperties cannot be set to false'));
  } else if (s.additionalProperties !== undefined && s.properties !== undefined) {
    errs.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
}

function checkListType(s: JsonSchema, path: string, errs: FieldError[]): void {
  const listType = s['x-kubernetes-list-type'];
  const hasKeys = s['x-kubernetes-list-map-keys'] !== undefined;
  if (listType !== undefined) {
    if (!['atomic', 'set', 'map'].includes(listType as string)) {
      errs.push(notSupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']));
    } else if (s.type !== 'array') {
      errs.push(invalid(`${path}.x-kubernetes-list-type`, listType, 'must only be used if type is array'));
    }
  }
  if (listType !== 'map') {
    if (hasKeys) errs.push(forbidden(`${path}.x-kubernetes-list-map-keys`, 'must be empty if x-kubernetes-list-type is not map'));
    return;
  }
  const keys = listMapKeys(s);
  if (keys.length === 0) {
    errs.push(required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    return;
  }
  const items = subSchema(s, 'items');
  if (items?.type !== 'object') {
    errs.push(invalid(`${path}.items.type`, items?.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    return;
  }
  const props = properties(items) ?? {};
  if (keys.some((k) => !props[k])) {
    errs.push(invalid(`${path}.x-kubernetes-list-map-keys`, keys, 'entries must all be names of item properties'));
  } else if (keys.some((k) => ['object', 'array'].includes(props[k].type as string))) {
    errs.push(invalid(`${path}.x-kubernetes-list-map-keys`, keys, 'must only point to scalar item properties'));
  }
}

/** Where a node sits, for its rules. */
interface NodePlace {
  root: boolean;
  /** Set below the items of a list that is not a list-type map: no old value correlates there. */
  uncorrelatableAt?: string;
  /** How many times the node can occur in one object (product of the enclosing lists' and maps' sizes). */
  repeats: number;
}

/** Refuses an expression whose estimated cost, times the node's occurrences, is over upstream's limit. */
function checkCost(s: JsonSchema, expression: string, what: string, at: string, repeats: number, errs: FieldError[]): void {
  const ast = parseCel(expression, RULE_VARIABLES);
  if (!ast) return;
  const cost = estimateRuleCost(ast, s) * repeats;
  if (cost > RULE_COST_LIMIT) errs.push(forbidden(at, costExceededMessage(what, cost, RULE_COST_LIMIT)));
}

/** Checks rules with `self` and `oldSelf` typed from the node (cel-types.ts), as upstream compiles them. */
function checkRules(s: JsonSchema, path: string, errs: FieldError[], place: NodePlace): void {
  const { root, uncorrelatableAt } = place;
  const rules = s['x-kubernetes-validations'];
  if (rules === undefined) return;
  if (!Array.isArray(rules)) {
    errs.push(invalid(`${path}.x-kubernetes-validations`, rules, 'must be a list of rules'));
    return;
  }
  const selfType = celTypeOf(s, root);
  const check = celTypeChecker({ self: selfType, oldSelf: selfType });
  rules.forEach((r: Record<string, unknown>, i) => {
    const at = `${path}.x-kubernetes-validations[${i}]`;
    if (typeof r?.rule !== 'string' || r.rule.trim() === '') {
      errs.push(required(`${at}.rule`));
      return;
    }
    const { error, type } = check(r.rule);
    if (error) errs.push(invalid(`${at}.rule`, r.rule, `compilation failed: ${error}`));
    else if (type !== 'bool' && type !== 'dyn') errs.push(invalid(`${at}.rule`, r.rule, 'cel expression must evaluate to a bool'));
    else if (uncorrelatableAt !== undefined && /\boldSelf\b/.test(r.rule)) {
      // Items of atomic and set lists have no old counterpart: such a rule could never run.
      errs.push(invalid(`${at}.rule`, r.rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatableAt}`));
    } else checkCost(s, r.rule, 'estimated rule cost', `${at}.rule`, place.repeats, errs);
    if (typeof r.message === 'string' && r.message.includes('\n')) {
      errs.push(invalid(`${at}.message`, r.message, 'message must not contain line breaks'));
    }
    if (typeof r.messageExpression === 'string') {
      const m = check(r.messageExpression);
      if (m.error) errs.push(invalid(`${at}.messageExpression`, r.messageExpression, `messageExpression compilation failed: ${m.error}`));
      else if (m.type !== 'string' && m.type !== 'dyn') errs.push(invalid(`${at}.messageExpression`, r.messageExpression, 'must evaluate to a string'));
      else checkCost(s, r.messageExpression, 'estimated messageExpression cost', `${at}.messageExpression`, place.repeats, errs);
    }
    if (r.reason !== undefined && !RULE_REASONS.includes(r.reason as string)) {
      errs.push(notSupported(`${at}.reason`, r.reason, RULE_REASONS));
    }
    if (typeof r.fieldPath === 'string' && !/^(\.[A-Za-z_$][\w$-]*|\['(?:[^'\\]|\\.)*'\]|\[\d+\])+$/.test(r.fieldPath)) {
      errs.push(invalid(`${at}.fieldPath`, r.fieldPath, 'fieldPath must be a valid path'));
    }
  });
}

/** Root metadata may only restrict name and generateName; it takes no defaults. */
function checkRootMetadata(s: JsonSchema, path: string, errs: FieldError[]): void {
  const metadata = properties(s)?.metadata;
  if (!metadata) return;
  const at = `${path}.properties[metadata]`;
  if (metadata.type !== undefined && metadata.type !== 'object') errs.push(invalid(`${at}.type`, metadata.type, 'must be object'));
  const names = Object.keys(properties(metadata) ?? {});
  if (names.some((n) => n !== 'name' && n !== 'generateName') || metadata.additionalProperties !== undefined) {
    errs.push(forbidden(at, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  if (metadata.default !== undefined) errs.push(forbidden(`${at}.default`, 'must not be set for metadata'));
  for (const n of names) {
    const p = properties(metadata)?.[n];
    if (p?.default !== undefined) errs.push(forbidden(`${at}.properties[${n}].default`, 'must not be set for metadata'));
  }
}

/** Checks a node and everything below it; `place` (root by default) tells where the node sits. */
export function checkSchemaNode(s: JsonSchema, path: string, level: Level, errs: FieldError[], place: NodePlace = { root: true, repeats: 1 }): void {
  checkKeywords(s, path, errs);
  checkType(s, path, level, errs);
  checkObjectKeywords(s, path, errs);
  checkListType(s, path, errs);
  if (level !== 'value') checkRules(s, path, errs, place);
  if (level === 'root') checkRootMetadata(s, path, errs);
  if (level !== 'value' && s.default !== undefined) errs.push(...checkDefault(s, `${path}.default`));
  const below = (l: Level): Level => (level === 'value' ? 'value' : l);
  const field: NodePlace = { ...place, root: false };
  for (const [name, prop] of Object.entries(properties(s) ?? {})) {
    if (isPlainObject(prop)) checkSchemaNode(prop, `${path}.properties[${name}]`, below('field'), errs, field);
  }
  const element: NodePlace = { ...field, repeats: place.repeats * maxCardinality(s) };
  const items = subSchema(s, 'items');
  if (items) {
    const uncorrelatableAt = place.uncorrelatableAt ?? (s['x-kubernetes-list-type'] === 'map' ? undefined : path);
    checkSchemaNode(items, `${path}.items`, below('item'), errs, { ...element, uncorrelatableAt });
  }
  const additional = subSchema(s, 'additionalProperties');
  if (additional) checkSchemaNode(additional, `${path}.additionalProperties`, below('field'), errs, element);
  for (const kw of ['allOf', 'anyOf', 'oneOf']) {
    const list = s[kw];
    if (Array.isArray(list)) list.forEach((sub, i) => isPlainObject(sub) && checkSchemaNode(sub, `${path}.${kw}[${i}]`, 'value', errs, field));
  }
  const not = subSchema(s, 'not');
  if (not) checkSchemaNode(not, `${path}.not`, 'value', errs, field);
}
