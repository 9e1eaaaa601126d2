import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  validateMutatingWebhookConfiguration,
  validateValidatingAdmissionPolicy,
  validateValidatingAdmissionPolicyBinding,
  validateValidatingWebhookConfiguration,
} from './admissionregistration.ts';
import {
  defaultMutatingWebhookConfiguration,
  defaultValidatingAdmissionPolicy,
  defaultValidatingAdmissionPolicyBinding,
  defaultValidatingWebhookConfiguration,
} from '../defaults/admissionregistration.ts';
import type { FieldError } from './field-error.ts';

const text = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${e.message}`);
const rule = { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] };
const hook = (extra: Record<string, unknown> = {}) => ({
  name: 'check.example.com',
  clientConfig: { url: 'https://hooks.example.com/check' },
  rules: [rule],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...extra,
});
const webhooks = (...hooks: unknown[]) => ({ metadata: { name: 'hooks' }, webhooks: hooks });
const policy = (spec: Record<string, unknown>, name = 'demo') => ({
  metadata: { name },
  spec: { matchConstraints: { resourceRules: [rule] }, validations: [{ expression: 'true' }], ...spec },
});
const binding = (spec: Record<string, unknown>) => ({ metadata: { name: 'demo' }, spec: { policyName: 'demo', validationActions: ['Deny'], ...spec } });

test('webhook configurations: a valid one passes, for both kinds', () => {
  assert.deepEqual(validateValidatingWebhookConfiguration(webhooks(hook())), []);
  assert.deepEqual(validateMutatingWebhookConfiguration(webhooks(hook({ reinvocationPolicy: 'IfNeeded' }))), []);
  assert.deepEqual(text(validateMutatingWebhookConfiguration(webhooks(hook({ reinvocationPolicy: 'Always' })))), [
    'webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"',
  ]);
});

test('webhook matchConditions: names required, qualified, unique; expressions compile; at most 64', () => {
  const conditions = [
    { name: 'not-leases', expression: "request.resource.resource != 'leases'" },
    { name: 'not-leases', expression: 'object.metadata.name ==' },
    { name: 'bad name!', expression: 'params.x == 1' },
    { name: '', expression: ' ' },
  ];
  assert.deepEqual(text(validateValidatingWebhookConfiguration(webhooks(hook({ matchConditions: conditions })))), [
    'webhooks[0].matchConditions[1].expression: Invalid value: "object.metadata.name ==": compilation failed: ERROR: <input>:1:24: Unexpected token: EOF',
    'webhooks[0].matchConditions[1].name: Duplicate value: "not-leases"',
    "webhooks[0].matchConditions[2].expression: Invalid value: \"params.x == 1\": compilation failed: ERROR: <input>:1:1: undeclared reference to 'params' (in container '')",
    "webhooks[0].matchConditions[2].name: Invalid value: \"bad name!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    'webhooks[0].matchConditions[3].expression: Required value',
    'webhooks[0].matchConditions[3].name: Required value',
  ]);
  const many = Array.from({ length: 65 }, (_, i) => ({ name: `c${i}`, expression: 'true' }));
  assert.deepEqual(text(validateMutatingWebhookConfiguration(webhooks(hook({ matchConditions: many })))), [
    'webhooks[0].matchConditions: Too many: 65: must have at most 64 items',
  ]);
});

test('the CEL authorizer is refused with a clear message, in conditions and policies', () => {
  const expression = "authorizer.group('').resource('pods').check('create').allowed()";
  const refusal = `Invalid value: "${expression.replaceAll('"', '\\"')}": the authorizer variable is not supported by Skiff: a CEL expression cannot check authorization here`;
  assert.deepEqual(text(validateValidatingWebhookConfiguration(webhooks(hook({ matchConditions: [{ name: 'authz', expression }] })))), [
    `webhooks[0].matchConditions[0].expression: ${refusal}`,
  ]);
  assert.deepEqual(text(validateValidatingAdmissionPolicy(policy({ validations: [{ expression }] }))), [`spec.validations[0].expression: ${refusal}`]);
});

test('webhook defaults: Fail, Equivalent, every namespace and object, 10s, scope *, Never, port 443', () => {
  const config: any = webhooks(hook({ clientConfig: { service: { namespace: 'a', name: 'b' } } }));
  defaultMutatingWebhookConfiguration(config);
  assert.deepEqual(config.webhooks[0], {
    ...hook({ clientConfig: { service: { namespace: 'a', name: 'b', port: 443 } } }),
    rules: [{ ...rule, scope: '*' }],
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
    timeoutSeconds: 10,
    reinvocationPolicy: 'Never',
  });
  const validating: any = webhooks(hook({ failurePolicy: 'Ignore', timeoutSeconds: 3 }));
  defaultValidatingWebhookConfiguration(validating);
  assert.equal(validating.webhooks[0].failurePolicy, 'Ignore');
  assert.equal(validating.webhooks[0].timeoutSeconds, 3);
  assert.equal('reinvocationPolicy' in validating.webhooks[0], false);
});

test('ValidatingAdmissionPolicy: validations, messages, reasons, matchConditions and auditAnnotations as upstream', () => {
  assert.deepEqual(
    validateValidatingAdmissionPolicy(
      policy({
        matchConditions: [{ name: 'has-params', expression: 'params != null && namespaceObject != null' }],
        auditAnnotations: [{ key: 'replicas', valueExpression: "'seen'" }],
      }),
    ),
    [],
  );
  assert.deepEqual(
    text(
      validateValidatingAdmissionPolicy(
        policy({
          validations: [
            { expression: 'true', message: ' ', messageExpression: ' ' },
            { expression: 'true', message: 'two\nlines', reason: 'Conflict' },
          ],
          matchConditions: [{ name: 'vars', expression: 'variables.x' }],
          auditAnnotations: [
            { key: 'a', valueExpression: '' },
            { key: 'a', valueExpression: "'x'" },
            { key: 'bad key', valueExpression: "'x'" },
          ],
        }),
      ),
    ),
    [
      'spec.validations[0].messageExpression: Invalid value: " ": must be non-empty if specified',
      'spec.validations[0].message: Invalid value: " ": message must be non-empty if specified',
      'spec.validations[1].message: Invalid value: "two\\nlines": message must not contain line breaks',
      'spec.validations[1].reason: Unsupported value: "Conflict": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"',
      "spec.matchConditions[0].expression: Invalid value: \"variables.x\": compilation failed: ERROR: <input>:1:1: undeclared reference to 'variables' (in container '')",
      'spec.auditAnnotations[0].valueExpression: Required value: valueExpression is not specified',
      'spec.auditAnnotations[1].key: Duplicate value: "a"',
      "spec.auditAnnotations[2].key: Invalid value: \"demo/bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
  );
  assert.deepEqual(text(validateValidatingAdmissionPolicy({ metadata: { name: 'empty' }, spec: { matchConstraints: { resourceRules: [rule] } } })), [
    'spec.validations: Required value: validations or auditAnnotations must contain at least one item',
    'spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item',
  ]);
});

test('ValidatingAdmissionPolicyBinding: paramRef takes a name or a selector, and a parameterNotFoundAction', () => {
  assert.deepEqual(
    validateValidatingAdmissionPolicyBinding(binding({ paramRef: { selector: { matchLabels: { a: 'b' } }, parameterNotFoundAction: 'Allow' } })),
    [],
  );
  assert.deepEqual(text(validateValidatingAdmissionPolicyBinding(binding({ paramRef: { name: 'a/b', selector: {}, parameterNotFoundAction: 'Skip' } }))), [
    'spec.paramRef.name: Invalid value: "a/b": may not contain \'/\'',
    'spec.paramRef.name: Forbidden: name and selector are mutually exclusive',
    'spec.paramRef.selector: Forbidden: name and selector are mutually exclusive',
    'spec.paramRef.parameterNotFoundAction: Unsupported value: "Skip": supported values: "Deny", "Allow"',
  ]);
  assert.deepEqual(text(validateValidatingAdmissionPolicyBinding(binding({ paramRef: {} }))), [
    'spec.paramRef: Required value: one of name or selector must be specified',
    'spec.paramRef.parameterNotFoundAction: Required value',
  ]);
  assert.deepEqual(text(validateValidatingAdmissionPolicyBinding(binding({ validationActions: ['Deny', 'Warn', 'Deny'] }))), [
    'spec.validationActions[2]: Duplicate value: "Deny"',
    'spec.validationActions: Invalid value: ["Deny","Warn","Deny"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
  ]);
});

test('policy and binding defaults: Fail, and matchResources as webhooks match', () => {
  const p: any = policy({});
  defaultValidatingAdmissionPolicy(p);
  assert.equal(p.spec.failurePolicy, 'Fail');
  assert.deepEqual(p.spec.matchConstraints, { resourceRules: [{ ...rule, scope: '*' }], matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {} });
  const b: any = binding({ matchResources: { excludeResourceRules: [rule] }, paramRef: { name: 'x' } });
  defaultValidatingAdmissionPolicyBinding(b);
  assert.deepEqual(b.spec.matchResources, {
    excludeResourceRules: [{ ...rule, scope: '*' }],
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
  });
  assert.deepEqual(b.spec.paramRef, { name: 'x' });
});
