/**
 * The local-path provisioner's node half, an external provisioner in upstream's sense run by
 * every agent: for a claim the controller handed to `skiff.dev/local-path` and the scheduler
 * placed on this node, it makes the directory and a PersistentVolume pre-bound to the claim
 * (the persistentvolume-binder controller then completes the binding); for a volume of ours
 * on this node that its claim released under policy Delete, it removes the directory, then
 * the PersistentVolume. Keys are `claim:<ns>/<name>` and `volume:<name>`.
 */
import { chmod, mkdir, rm } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { findResourceByKind, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '@skiff/api';
import { isAlreadyExists, isNotFound, objectKey, type EventObjectRef, type Lister, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { buildVolume, directoryFor, shouldDelete, shouldProvision, volumeNameFor } from './volume-for-claim.ts';

export const claimsResource = findResourceByKind('v1', 'PersistentVolumeClaim')!;
export const volumesResource = findResourceByKind('v1', 'PersistentVolume')!;
export const classesResource = findResourceByKind('storage.k8s.io/v1', 'StorageClass')!;

export interface EventSink {
  event(obj: EventObjectRef, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface ProvisionerDeps {
  client: Pick<RestClient, 'create' | 'delete'>;
  claims: Lister<PersistentVolumeClaim>;
  volumes: Lister<PersistentVolume>;
  classes: Lister<StorageClass>;
  recorder: EventSink;
  nodeName: string;
  storageRoot: string;
  logger?: Logger;
  /** Counted once each is done (metrics). */
  onProvisioned?(): void;
  onDeleted?(): void;
}

const CLAIM = 'claim:';
const VOLUME = 'volume:';

export const claimKeyOf = (claim: PersistentVolumeClaim): string => CLAIM + objectKey(claim);
export const volumeKeyOf = (volume: PersistentVolume): string => VOLUME + (volume.metadata?.name ?? '');

export class LocalPathProvisioner {
  readonly #deps: ProvisionerDeps;

  constructor(deps: ProvisionerDeps) {
    this.#deps = deps;
  }

  sync(key: string): Promise<SyncResult> {
    if (key.startsWith(CLAIM)) {
      const [ns, name = ''] = key.slice(CLAIM.length).split('/');
      const claim = this.#deps.claims.get(ns, name);
      return claim ? this.#provision(claim) : Promise.resolve(undefined);
    }
    const volume = this.#deps.volumes.get(undefined, key.slice(VOLUME.length));
    return volume ? this.#delete(volume) : Promise.resolve(undefined);
  }

  async #provision(claim: PersistentVolumeClaim): Promise<SyncResult> {
    const { nodeName, storageRoot, recorder, client, logger } = this.#deps;
    if (!shouldProvision(claim, nodeName)) return undefined;
    const volumeName = volumeNameFor(claim);
    if (this.#deps.volumes.get(undefined, volumeName)) return undefined;
    const ref: EventObjectRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: claim.metadata };
    const className = claim.spec?.storageClassName ?? '';
    const storageClass = this.#deps.classes.get(undefined, className);
    if (!storageClass) {
      recorder.event(ref, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return { requeueAfter: 15_000 };
    }
    recorder.event(ref, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${objectKey(claim)}"`);
    const path = directoryFor(storageRoot, claim);
    try {
      await mkdir(path, { recursive: true, mode: 0o777 });
      // mkdir's mode is masked by the umask; pods running as any user must be able to write.
      await chmod(path, 0o777);
    } catch (err) {
      recorder.event(ref, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": ${(err as Error).message}`);
      throw new Error(`claim ${objectKey(claim)}: cannot make ${path}`, { cause: err });
    }
    try {
      await client.create(volumesResource, buildVolume(claim, storageClass, nodeName, path));
    } catch (err) {
      if (isAlreadyExists(err)) return undefined;
      recorder.event(ref, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": ${(err as Error).message}`);
      throw err;
    }
    logger?.info({ claim: objectKey(claim), volume: volumeName, path }, 'volume provisioned');
    recorder.event(ref, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volumeName}`);
    this.#deps.onProvisioned?.();
    return undefined;
  }

  async #delete(volume: PersistentVolume): Promise<SyncResult> {
    const { nodeName, client, logger, recorder } = this.#deps;
    if (!shouldDelete(volume, nodeName)) return undefined;
    const name = volume.metadata?.name ?? '';
    const path = volume.spec?.hostPath?.path ?? volume.spec?.local?.path;
    if (!path || !this.#isUnderRoot(path)) {
      // Never remove a directory outside the root this node was given: an administrator decides.
      const message = `volume path "${path ?? ''}" is not under the storage root ${this.#deps.storageRoot}; not deleting it`;
      recorder.event({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: volume.metadata }, 'Warning', 'VolumeFailedDelete', message);
      return undefined;
    }
    await rm(path, { recursive: true, force: true });
    try {
      await client.delete(volumesResource, undefined, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    logger?.info({ volume: name, path }, 'released volume deleted with its directory');
    this.#deps.onDeleted?.();
    return undefined;
  }

  #isUnderRoot(path: string): boolean {
    const rel = relative(resolve(this.#deps.storageRoot), resolve(path));
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  }
}
