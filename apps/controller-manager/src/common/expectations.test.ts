import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerExpectations, EXPECTATIONS_TTL_MS } from './expectations.ts';

test('an unknown key is satisfied', () => {
  assert.equal(new ControllerExpectations().satisfied('ns/a'), true);
});

test('creations: satisfied once every expected creation was observed', () => {
  const e = new ControllerExpectations();
  e.expectCreations('ns/a', 2);
  assert.equal(e.satisfied('ns/a'), false);
  e.creationObserved('ns/a');
  assert.equal(e.satisfied('ns/a'), false);
  e.creationObserved('ns/a');
  assert.equal(e.satisfied('ns/a'), true);
  e.creationObserved('ns/a'); // extra observations stay satisfied
  assert.equal(e.satisfied('ns/a'), true);
});

test('deletions by key: only the pods we deleted count, each once', () => {
  const e = new ControllerExpectations();
  e.expectDeletions('ns/a', ['ns/p1', 'ns/p2']);
  e.deletionObserved('ns/a', 'ns/other');
  e.deletionObserved('ns/a', 'ns/p1');
  e.deletionObserved('ns/a', 'ns/p1');
  assert.deepEqual(e.pending('ns/a'), { adds: 0, dels: 1 });
  assert.equal(e.satisfied('ns/a'), false);
  e.deletionObserved('ns/a', 'ns/p2');
  assert.equal(e.satisfied('ns/a'), true);
});

test('deletions by count', () => {
  const e = new ControllerExpectations();
  e.expectDeletions('k', 1);
  assert.equal(e.satisfied('k'), false);
  e.deletionObserved('k');
  assert.equal(e.satisfied('k'), true);
});

test('expectations expire after the TTL; delete forgets them', () => {
  let now = 1_000_000;
  const e = new ControllerExpectations({ now: () => now });
  e.expectCreations('k', 3);
  now += EXPECTATIONS_TTL_MS;
  assert.equal(e.satisfied('k'), false);
  now += 1;
  assert.equal(e.satisfied('k'), true);
  e.expectCreations('j', 1);
  e.delete('j');
  assert.equal(e.satisfied('j'), true);
  assert.equal(e.pending('j'), undefined);
});
