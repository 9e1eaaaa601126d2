import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiStatusError } from '@skiff/client';
import { CliError, formatError, formatFinalError, formatInvalid, unknownSubcommandError } from './errors.ts';

type Status = Parameters<typeof formatInvalid>[0];
const invalid = (details?: Status['details']): Status =>
  ({
    apiVersion: 'v1',
    kind: 'Status',
    status: 'Failure',
    code: 422,
    reason: 'Invalid',
    message: 'the server rejected our request due to an error in our request',
    details,
  }) as Status;

test('a 422 Invalid reads as kubectl prints it: the object, one cause inline, several as * lines, duplicates once', () => {
  assert.equal(
    formatInvalid(invalid({ causes: [{ field: 'patch', message: 'testing value /spec/replicas failed: test failed' }] })),
    'The request is invalid: patch: testing value /spec/replicas failed: test failed',
  );
  assert.equal(
    formatInvalid(
      invalid({ kind: 'Deployment', name: 'web', causes: [{ field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }] }),
    ),
    'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  );
  const a = { field: 'spec.replicas', message: 'a' };
  assert.equal(
    formatInvalid(invalid({ kind: 'Deployment', name: 'web', causes: [a, { field: 'spec.x', message: 'b' }, a] })),
    'The Deployment "web" is invalid: \n* spec.replicas: a\n* spec.x: b',
  );
  // Go's "%s: %s" of an empty field.
  assert.equal(formatInvalid(invalid({ name: 'x', causes: [{ message: 'm' }] })), 'The  "x" is invalid: : m');
  assert.equal(formatInvalid(invalid({ kind: 'Pod', name: 'p' })), 'The Pod "p" is invalid');
  assert.equal(formatInvalid(invalid()), 'The request is invalid: the server rejected our request due to an error in our request');
});

test('the error a command ends with: Invalid in its own words, other Status errors and client errors as before', () => {
  const err = new ApiStatusError(invalid({ kind: 'Deployment', name: 'web', causes: [{ field: 'spec.replicas', message: 'm' }] }), 'PATCH /x');
  assert.equal(formatFinalError(err), 'The Deployment "web" is invalid: spec.replicas: m');
  // One line per object among several keeps the Status form.
  assert.equal(formatError(err), 'Error from server (Invalid): the server rejected our request due to an error in our request');
  const notFound = new ApiStatusError(
    { apiVersion: 'v1', kind: 'Status', status: 'Failure', code: 404, reason: 'NotFound', message: 'pods "x" not found' } as Status,
    'GET /x',
  );
  assert.equal(formatFinalError(notFound), 'Error from server (NotFound): pods "x" not found');
  assert.equal(formatFinalError(new CliError('boom')), 'error: boom');
});

test("an unknown subcommand names every argument left and points at the parent's help", () => {
  const err = unknownSubcommandError('rollout', ['bogus', 'x']);
  assert.equal(formatError(err), 'error: unknown command "bogus x"\nSee \'kubectl rollout -h\' for help and examples');
  assert.equal(err.exitCode, 1);
});
