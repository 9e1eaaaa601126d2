/**
 * core/v1 Event ⇄ events.k8s.io/v1 Event, with the field mapping of Kubernetes'
 * pkg/apis/events/v1 conversion. Both are stored as core/v1, Kubernetes' storage version
 * for events (core is listed first among the cohabitating event resources).
 *
 * events.k8s.io/v1 renamed the fields below and kept the rest (reason, type, eventTime,
 * series, action, related, reportingInstance) as they are.
 */
import { defaultObject } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import type { VersionConverter } from './version-converter.ts';

const CORE = 'v1';
const EVENTS = 'events.k8s.io/v1';

/** core/v1 name → events.k8s.io/v1 name. */
const renamed: [core: string, events: string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

/**
 * events.k8s.io/v1 marks these strings omitempty where core/v1 always writes them, so the
 * core zero value '' disappears on the way, as it does from kube-apiserver's answers.
 */
const omittedWhenEmpty = ['reportingController', 'reportingInstance'];

function renameFields(obj: KubeObject, pairs: [from: string, to: string][]): void {
  for (const [from, to] of pairs) {
    if (!(from in obj)) continue;
    const value = obj[from];
    delete obj[from];
    if (value !== undefined) obj[to] = value;
  }
}

/** A core/v1 Event as an events.k8s.io/v1 Event: a new object. */
export function coreToEventsV1(event: KubeObject): KubeObject {
  const out = structuredClone(event);
  renameFields(out, renamed);
  for (const field of omittedWhenEmpty) if (out[field] === '') delete out[field];
  out.apiVersion = EVENTS;
  out.kind = 'Event';
  defaultObject({ group: 'events.k8s.io', kind: 'Event' }, out);
  return out;
}

/** An events.k8s.io/v1 Event as a core/v1 Event: a new object. */
export function eventsV1ToCore(event: KubeObject): KubeObject {
  const out = structuredClone(event);
  renameFields(
    out,
    renamed.map(([core, events]) => [events, core]),
  );
  out.apiVersion = CORE;
  out.kind = 'Event';
  // The fields core/v1 always writes (involvedObject, source, reportingComponent, ...), which
  // typed clients require: the Python client refuses an Event without involvedObject.
  defaultObject({ group: '', kind: 'Event' }, out);
  return out;
}

export const eventConverter: VersionConverter = {
  resource: 'events',
  storage: { group: '', version: 'v1' },
  served: [{ group: 'events.k8s.io', version: 'v1' }],
  convert(obj, toApiVersion) {
    const from = obj.apiVersion ?? CORE;
    if (from === CORE && toApiVersion === EVENTS) return coreToEventsV1(obj);
    if (from === EVENTS && toApiVersion === CORE) return eventsV1ToCore(obj);
    if (from === toApiVersion) return structuredClone(obj);
    throw new Error(`events: no conversion from ${from} to ${toApiVersion}`);
  },
};
