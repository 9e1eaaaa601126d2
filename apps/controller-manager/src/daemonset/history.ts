/**
 * The DaemonSet's ControllerRevisions (upstream's constructHistory, snapshot and
 * cleanupHistory): the current revision is the one whose data equals today's template
 * patch; it is named `<ds>-<template hash>` and labelled controller-revision-hash=<hash>,
 * the label its pods carry too.
 */
import type { ControllerRevision, DaemonSet, Pod } from '@skiff/api';
import { isAlreadyExists, isNotFound, type RestClient } from '@skiff/client';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  controllerRevisionsResource,
  marshalJson,
  newControllerRevision,
  revisionsToPrune,
  templatePatch,
} from '../common/controller-history.ts';
import { computeTemplateHash } from '../deployment/util.ts';

export const daemonSetGvk = { apiVersion: 'apps/v1', kind: 'DaemonSet' };

type HistoryClient = Pick<RestClient, 'create' | 'get' | 'update' | 'delete'>;

export interface DaemonSetHistory {
  current: ControllerRevision;
  old: ControllerRevision[];
  /** The pods' hash label value for the current revision. */
  hash: string;
}

/** A collision: the status' collisionCount must go up before the next attempt. */
export class HashCollisionError extends Error {}

function matchesTemplate(ds: DaemonSet, revision: ControllerRevision): boolean {
  return marshalJson(templatePatch(ds.spec?.template)) === marshalJson(revision.data ?? null);
}

/**
 * Splits the claimed revisions into the current one and the old ones, creating the current
 * one (numbered after the highest old one) when none matches, and renumbering it when a
 * rollback made an old template current again. Duplicates of the current one are deleted.
 */
export async function constructHistory(client: HistoryClient, ds: DaemonSet, revisions: readonly ControllerRevision[]): Promise<DaemonSetHistory> {
  const currents: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (const r of revisions) (matchesTemplate(ds, r) ? currents : old).push(r);
  const next = old.reduce((max, r) => Math.max(max, r.revision ?? 0), 0) + 1;
  let current: ControllerRevision;
  if (currents.length === 0) {
    current = await snapshot(client, ds, next);
  } else {
    currents.sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
    current = currents[0];
    for (const dup of currents.slice(1)) await deleteRevision(client, dup);
    if ((current.revision ?? 0) < next) {
      current = await client.update<ControllerRevision>(controllerRevisionsResource, { ...structuredClone(current), revision: next });
    }
  }
  const hash = current.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? current.metadata?.name ?? '';
  return { current, old, hash };
}

/** Stores today's template as a revision; a name taken by other data is a hash collision. */
async function snapshot(client: HistoryClient, ds: DaemonSet, revision: number): Promise<ControllerRevision> {
  const hash = computeTemplateHash(ds.spec?.template, ds.status?.collisionCount);
  const cr = newControllerRevision({
    parent: ds,
    gvk: daemonSetGvk,
    templateLabels: ds.spec?.template?.metadata?.labels,
    data: templatePatch(ds.spec?.template),
    revision,
    hash,
    hashLabel: CONTROLLER_REVISION_HASH_LABEL,
    annotations: ds.metadata?.annotations,
  });
  try {
    return await client.create<ControllerRevision>(controllerRevisionsResource, cr, { namespace: ds.metadata?.namespace });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await client.get<ControllerRevision>(controllerRevisionsResource, ds.metadata?.namespace, cr.metadata?.name ?? '');
    if (matchesTemplate(ds, existing)) return existing;
    throw new HashCollisionError(`found a hash collision for DaemonSet ${ds.metadata?.name} - bumping collisionCount to resolve it`, { cause: err });
  }
}

async function deleteRevision(client: HistoryClient, revision: ControllerRevision): Promise<void> {
  try {
    await client.delete(controllerRevisionsResource, revision.metadata?.namespace, revision.metadata?.name ?? '');
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Deletes old revisions beyond revisionHistoryLimit (default 10), oldest first, never one a pod still runs. */
export async function cleanupHistory(client: HistoryClient, ds: DaemonSet, pods: readonly Pod[], history: DaemonSetHistory): Promise<void> {
  const liveHashes = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).filter((h): h is string => Boolean(h)));
  const live = new Set(
    history.old.filter((r) => liveHashes.has(r.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '')).map((r) => r.metadata?.name ?? ''),
  );
  for (const victim of revisionsToPrune(history.old, live, ds.spec?.revisionHistoryLimit ?? 10)) await deleteRevision(client, victim);
}
