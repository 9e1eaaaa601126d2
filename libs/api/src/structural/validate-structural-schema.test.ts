import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateSchema, cronTabSchema } from './fixtures.test-data.ts';
import { type JsonSchema, validateStructuralSchema } from './index.ts';

const AT = 'spec.versions[0].schema.openAPIV3Schema';

function causes(schema: JsonSchema): string[] {
  return validateStructuralSchema(schema, AT).map((e) => `${e.field.slice(AT.length)}: ${e.message}`);
}

test('well-known CRD schemas are structural', () => {
  assert.deepEqual(causes(cronTabSchema), []);
  assert.deepEqual(causes(certificateSchema), []);
  assert.deepEqual(causes({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }), []);
  assert.deepEqual(causes({ type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } } } }), []);
});

test('every specified node needs a type, except int-or-string, preserve-unknown-fields and embedded resources', () => {
  assert.deepEqual(causes({ properties: { spec: { properties: { a: {}, b: { type: 'array', items: {} } } } } }), [
    '.type: Required value: must not be empty at the root',
    '.properties[spec].type: Required value: must not be empty for specified object fields',
    '.properties[spec].properties[a].type: Required value: must not be empty for specified object fields',
    '.properties[spec].properties[b].items.type: Required value: must not be empty for specified array items',
  ]);
  assert.deepEqual(causes({ type: 'object', properties: { a: { 'x-kubernetes-int-or-string': true, type: 'string' }, b: { type: 'nope' } } }), [
    '.properties[a].type: Invalid value: "string": must be empty if x-kubernetes-int-or-string is true',
    '.properties[b].type: Unsupported value: "nope": supported values: "array", "boolean", "integer", "number", "object", "string"',
  ]);
  assert.deepEqual(causes({ type: 'object', properties: { e: { 'x-kubernetes-embedded-resource': true } } }), [
    '.properties[e].type: Required value: must be object if x-kubernetes-embedded-resource is true',
    '.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
  ]);
});

test('unsupported keywords and forbidden combinations', () => {
  assert.deepEqual(
    causes({
      type: 'object',
      properties: {
        a: { type: 'string', $ref: '#/definitions/x' },
        b: { type: 'array', items: [{ type: 'string' }], uniqueItems: true, additionalItems: false },
        c: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: { type: 'string' } },
        d: { type: 'object', additionalProperties: false },
        e: { type: 'object', patternProperties: {}, dependencies: {}, 'x-kubernetes-preserve-unknown-fields': false },
      },
      definitions: {},
    }),
    [
      '.definitions: Forbidden: definitions is not supported',
      '.properties[a].$ref: Forbidden: $ref is not supported',
      '.properties[b].additionalItems: Forbidden: additionalItems is not supported',
      '.properties[b].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      '.properties[b].items: Forbidden: items must be a schema object and not an array',
      '.properties[c].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive',
      '.properties[d].additionalProperties: Forbidden: additionalProperties cannot be set to false',
      '.properties[e].dependencies: Forbidden: dependencies is not supported',
      '.properties[e].patternProperties: Forbidden: patternProperties is not supported',
      '.properties[e].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined',
    ],
  );
});

test('root metadata may only restrict name and generateName, without defaults', () => {
  assert.deepEqual(
    causes({
      type: 'object',
      properties: { metadata: { type: 'object', properties: { labels: { type: 'object' }, name: { type: 'string', default: 'x' } } } },
    }),
    [
      '.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
      '.properties[metadata].properties[name].default: Forbidden: must not be set for metadata',
    ],
  );
});

test('defaults must validate against their schema and carry no unknown fields', () => {
  assert.deepEqual(
    causes({
      type: 'object',
      properties: {
        replicas: { type: 'integer', maximum: 5, default: 7 },
        mode: { type: 'string', enum: ['a', 'b'], default: 'c' },
        obj: { type: 'object', properties: { x: { type: 'string' } }, default: { x: 'ok', y: 1 } },
        ok: { type: 'object', properties: { x: { type: 'string' } }, default: { x: 'ok' } },
      },
    }),
    [
      '.properties[replicas].default: Invalid value: 7: spec.versions[0].schema.openAPIV3Schema.properties[replicas].default in body should be less than or equal to 5',
      '.properties[mode].default: Unsupported value: "c": supported values: "a", "b"',
      '.properties[obj].default: Invalid value: {"x":"ok","y":1}: must not have unknown fields: y',
    ],
  );
});

test('list types are consistent', () => {
  assert.deepEqual(
    causes({
      type: 'object',
      properties: {
        a: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'bag' },
        b: { type: 'string', 'x-kubernetes-list-type': 'set' },
        c: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } }, 'x-kubernetes-list-type': 'map' },
        d: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'] },
        e: {
          type: 'array',
          items: { type: 'object', properties: { k: { type: 'string' } } },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['z'],
        },
        f: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', 'x-kubernetes-list-map-keys': ['k'] },
      },
    }),
    [
      '.properties[a].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"',
      '.properties[b].x-kubernetes-list-type: Invalid value: "set": must only be used if type is array',
      '.properties[c].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map',
      '.properties[d].items.type: Invalid value: "string": must be object if parent array\'s x-kubernetes-list-type is map',
      '.properties[e].x-kubernetes-list-map-keys: Invalid value: ["z"]: entries must all be names of item properties',
      '.properties[f].x-kubernetes-list-map-keys: Forbidden: must be empty if x-kubernetes-list-type is not map',
    ],
  );
});

test('CEL rules must compile', () => {
  const errs = causes({
    type: 'object',
    properties: { a: { type: 'integer' }, b: { type: 'integer' } },
    'x-kubernetes-validations': [
      { rule: 'self.a <= self.b' },
      { rule: 'self.a <=' },
      { rule: 'selff.a > 0' },
      { rule: '' },
      { rule: 'true', reason: 'Nope', fieldPath: 'not a path', message: 'two\nlines' },
      { rule: 'true', messageExpression: '"x" +' },
    ],
  });
  assert.equal(errs.length, 7, errs.join('\n'));
  assert.match(errs[0], /^\.x-kubernetes-validations\[1\]\.rule: Invalid value: "self\.a <=": compilation failed: ERROR: <input>:1:\d+: /);
  assert.match(errs[1], /^\.x-kubernetes-validations\[2\]\.rule: Invalid value: "selff\.a > 0": compilation failed: .*selff/);
  assert.equal(errs[2], '.x-kubernetes-validations[3].rule: Required value');
  assert.equal(errs[3], '.x-kubernetes-validations[4].message: Invalid value: "two\\nlines": message must not contain line breaks');
  assert.match(errs[4], /^\.x-kubernetes-validations\[4\]\.reason: Unsupported value: "Nope": supported values: "FieldValueInvalid"/);
  assert.equal(errs[5], '.x-kubernetes-validations[4].fieldPath: Invalid value: "not a path": fieldPath must be a valid path');
  assert.match(errs[6], /^\.x-kubernetes-validations\[5\]\.messageExpression: Invalid value: .*messageExpression compilation failed/);
});

test('CEL rules are typed from the schema: fields, lists, maps, numbers, dyn where values vary', () => {
  const port = { type: 'object', properties: { port: { type: 'integer' }, name: { type: 'string' } } };
  const schema = (rules: string[], messageExpression?: string) => ({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer' },
          ratio: { type: 'number' },
          ports: { type: 'array', items: port },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          size: { 'x-kubernetes-int-or-string': true },
          extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          at: { type: 'string', format: 'date-time' },
        },
        'x-kubernetes-validations': rules.map((rule) => ({ rule, ...(messageExpression && { messageExpression }) })),
      },
    },
    'x-kubernetes-validations': [{ rule: 'self.metadata.name.startsWith("a") && self.kind == "K" && has(self.spec)' }],
  });
  const good = [
    'self.replicas > 1 && self.ratio * 2.0 > 1.0 && self.ratio > 1',
    'self.ports.all(p, p.port > 0 && p.name != "")',
    'self.ports.map(p, p.port).sum() < 100',
    'self.labels.all(k, self.labels[k].size() < 10) && "a" in self.labels',
    'self.size == 1 || self.size == "50%"',
    'self.extra.anything.goes == 1',
    'self == oldSelf && self.ports[0] == oldSelf.ports[0]',
    'has(self.at) && self.?replicas.orValue(1) > 0',
  ];
  assert.deepEqual(causes(schema(good, '"replicas: " + string(self.replicas)')), []);
  const at = '.properties[spec].x-kubernetes-validations';
  assert.deepEqual(causes(schema(['self.foo > 0', 'self.ports.all(p, p.nope)', 'self.replicas == 1.0', 'self.replicas', 'other > 1'], 'self.replicas')), [
    `${at}[0].rule: Invalid value: "self.foo > 0": compilation failed: ERROR: <input>:1:5: undefined field 'foo'`,
    `${at}[0].messageExpression: Invalid value: "self.replicas": must evaluate to a string`,
    `${at}[1].rule: Invalid value: "self.ports.all(p, p.nope)": compilation failed: ERROR: <input>:1:20: undefined field 'nope'`,
    `${at}[1].messageExpression: Invalid value: "self.replicas": must evaluate to a string`,
    `${at}[2].rule: Invalid value: "self.replicas == 1.0": compilation failed: ERROR: <input>:1:1: no such overload: int == double`,
    `${at}[2].messageExpression: Invalid value: "self.replicas": must evaluate to a string`,
    `${at}[3].rule: Invalid value: "self.replicas": cel expression must evaluate to a bool`,
    `${at}[3].messageExpression: Invalid value: "self.replicas": must evaluate to a string`,
    `${at}[4].rule: Invalid value: "other > 1": compilation failed: ERROR: <input>:1:1: undeclared reference to 'other' (in container '')`,
    `${at}[4].messageExpression: Invalid value: "self.replicas": must evaluate to a string`,
  ]);
});

test('rules whose estimated cost is over the limit are refused: nested comprehensions over unbounded lists', () => {
  const rule = 'self.tags.all(t, self.tags.exists_one(u, u == t))';
  const tagged = (maxItems?: number) => ({
    type: 'object',
    properties: { tags: { type: 'array', ...(maxItems && { maxItems }), items: { type: 'string' } } },
    'x-kubernetes-validations': [{ rule }],
  });
  const why = '(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)';
  assert.deepEqual(causes(tagged()), [`.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x ${why}`]);
  assert.deepEqual(causes(tagged(100)), []);
  // One pass over an unbounded list is fine; the same rule on items of another unbounded list is not.
  const once = { type: 'array', items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, x > 0)' }] };
  assert.deepEqual(causes({ type: 'object', properties: { l: once } }), []);
  assert.deepEqual(causes({ type: 'object', properties: { outer: { type: 'array', items: once } } }), [
    `.properties[outer].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x ${why}`,
  ]);
  // ~1.5M ints × 3 steps, 10 times: over; bounding the inner list too brings it under.
  assert.match(causes({ type: 'object', properties: { outer: { type: 'array', maxItems: 10, items: once } } })[0] ?? '', /factor of 4\.7x/);
  assert.deepEqual(causes({ type: 'object', properties: { outer: { type: 'array', maxItems: 10, items: { ...once, maxItems: 1000 } } } }), []);
  // Maps count by maxProperties; messageExpressions are estimated too.
  const labels = (maxProperties?: number) => ({
    type: 'object',
    ...(maxProperties && { maxProperties }),
    additionalProperties: { type: 'string' },
    'x-kubernetes-validations': [{ rule: 'true', messageExpression: 'self.filter(k, self.exists(j, j == k)).join(",")' }],
  });
  assert.match(
    causes({ type: 'object', properties: { m: labels() } })[0] ?? '',
    /^\.properties\[m\]\.x-kubernetes-validations\[0\]\.messageExpression: Forbidden: estimated messageExpression cost exceeds budget by factor of more than 100x/,
  );
  assert.deepEqual(causes({ type: 'object', properties: { m: labels(64) } }), []);
});

test('a pattern must compile', () => {
  const errs = causes({ type: 'object', properties: { a: { type: 'string', pattern: '[a-' } } });
  assert.equal(errs.length, 1);
  assert.match(errs[0], /^\.properties\[a\]\.pattern: Invalid value: "\[a-": must be a valid regular expression, but isn't: /);
});

test('transition rules are refused where no old value correlates (items of lists that are not list-type map)', () => {
  const rule = { rule: 'self == oldSelf' };
  const item = { type: 'object', properties: { v: { type: 'string', 'x-kubernetes-validations': [rule] } } };
  assert.deepEqual(
    causes({
      type: 'object',
      properties: {
        atomic: { type: 'array', items: item },
        keyed: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['v'], items: item },
        whole: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [rule] },
      },
    }),
    [
      '.properties[atomic].items.properties[v].x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within spec.versions[0].schema.openAPIV3Schema.properties[atomic]',
    ],
  );
});
