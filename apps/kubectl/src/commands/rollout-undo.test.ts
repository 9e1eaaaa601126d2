import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickRevision } from './rollout-undo.ts';
import type { Revision } from './rollout-history.ts';

const revisions: Revision[] = [1, 2, 5].map((revision) => ({ revision, template: {} }));

test("undo goes to the revision before the newest, or the one named, in kubectl's words when there is none", () => {
  assert.equal(pickRevision(revisions, 0, 'none').revision, 2);
  assert.equal(pickRevision(revisions, 1, 'none').revision, 1);
  assert.throws(() => pickRevision(revisions, 3, 'none'), /^CliError: unable to find specified revision 3 in history$/);
  assert.throws(() => pickRevision(revisions.slice(0, 1), 0, 'no last revision to roll back to'), /^CliError: no last revision to roll back to$/);
});
