import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../storage/store.ts';
import { coreToEventsV1, eventConverter, eventsV1ToCore } from './events.ts';
import { converterFor, convertToVersion, storageResourceOf, toStorageVersion } from './version-converter.ts';
import { findResource } from '@skiff/api';

const metadata = { name: 'web.17', namespace: 'default', uid: 'u-1', resourceVersion: '42' };
const reference = { kind: 'Pod', namespace: 'default', name: 'web', uid: 'p-1', apiVersion: 'v1' };
const series = { count: 3, lastObservedTime: '2024-05-01T10:00:03.000000Z' };
const related = { kind: 'Node', name: 'n1' };

/** The same event in both versions: every renamed field and every shared one. */
const core: KubeObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata,
  involvedObject: reference,
  reason: 'Started',
  message: 'Started container web',
  source: { component: 'kubelet', host: 'n1' },
  firstTimestamp: '2024-05-01T10:00:00Z',
  lastTimestamp: '2024-05-01T10:00:03Z',
  count: 3,
  type: 'Normal',
  eventTime: '2024-05-01T10:00:00.000000Z',
  series,
  action: 'Started',
  related,
  reportingComponent: 'kubelet',
  reportingInstance: 'n1',
};
const eventsV1: KubeObject = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata,
  regarding: reference,
  reason: 'Started',
  note: 'Started container web',
  deprecatedSource: { component: 'kubelet', host: 'n1' },
  deprecatedFirstTimestamp: '2024-05-01T10:00:00Z',
  deprecatedLastTimestamp: '2024-05-01T10:00:03Z',
  deprecatedCount: 3,
  type: 'Normal',
  eventTime: '2024-05-01T10:00:00.000000Z',
  series,
  action: 'Started',
  related,
  reportingController: 'kubelet',
  reportingInstance: 'n1',
};

test('core/v1 → events.k8s.io/v1 renames each field Kubernetes renamed and keeps the rest', () => {
  assert.deepEqual(coreToEventsV1(core), eventsV1);
});

test('events.k8s.io/v1 → core/v1 is the inverse', () => {
  assert.deepEqual(eventsV1ToCore(eventsV1), core);
});

test('conversions copy: the input (a watch cache object) is never touched or shared', () => {
  const input = structuredClone(core);
  const out = coreToEventsV1(input);
  assert.deepEqual(input, core);
  (out.regarding as Record<string, unknown>).name = 'changed';
  (out.metadata as Record<string, unknown>).name = 'changed';
  assert.equal((input.involvedObject as Record<string, unknown>).name, 'web');
  assert.equal(input.metadata.name, 'web.17');
});

test('a minimal events.k8s.io Event gets the fields core/v1 always writes', () => {
  const out = eventsV1ToCore({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'e' },
    reason: 'R',
    reportingController: 'c',
    action: 'A',
    type: 'Normal',
  });
  assert.deepEqual(out, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e' },
    reason: 'R',
    reportingComponent: 'c',
    action: 'A',
    type: 'Normal',
    involvedObject: {},
    source: {},
    reportingInstance: '',
  });
});

test("core/v1's empty strings that events.k8s.io/v1 omits are dropped; its structs appear even when empty", () => {
  const out = coreToEventsV1({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e' },
    involvedObject: {},
    source: {},
    reportingComponent: '',
    reportingInstance: '',
    message: 'm',
  });
  assert.deepEqual(out, { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, regarding: {}, deprecatedSource: {}, note: 'm' });
  const bare = coreToEventsV1({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' } });
  assert.deepEqual(bare.regarding, {});
  assert.deepEqual(bare.deprecatedSource, {});
});

test('the converter reads the source version from apiVersion (absent: the storage version)', () => {
  assert.deepEqual(eventConverter.convert(core, 'events.k8s.io/v1'), eventsV1);
  assert.deepEqual(eventConverter.convert(eventsV1, 'v1'), core);
  const { apiVersion: _drop, ...stored } = core;
  assert.equal(eventConverter.convert(stored as KubeObject, 'events.k8s.io/v1').note, 'Started container web');
  assert.throws(() => eventConverter.convert(core, 'events.k8s.io/v2'), /no conversion from v1 to events.k8s.io\/v2/);
});

test('both event resources share a converter and are stored as core/v1; other kinds have none', () => {
  const coreEvents = findResource('', 'v1', 'events')!;
  const groupEvents = findResource('events.k8s.io', 'v1', 'events')!;
  assert.equal(converterFor(coreEvents), eventConverter);
  assert.equal(converterFor(groupEvents), eventConverter);
  assert.equal(storageResourceOf(groupEvents), coreEvents);
  assert.equal(storageResourceOf(coreEvents), coreEvents);
  const pods = findResource('', 'v1', 'pods')!;
  assert.equal(converterFor(pods), undefined);
  assert.equal(storageResourceOf(pods), pods);
});

test('an object already in the wanted version is returned as is, not copied', () => {
  assert.equal(convertToVersion(eventConverter, core, { group: '', version: 'v1' }), core);
  assert.equal(toStorageVersion({ group: '', resource: 'events' }, core), core);
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
  assert.equal(toStorageVersion({ group: '', resource: 'pods' }, pod), pod);
  assert.deepEqual(toStorageVersion({ group: 'events.k8s.io', resource: 'events' }, eventsV1), core);
});
