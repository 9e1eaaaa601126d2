/**
 * The persistentvolume-binder controller (upstream pkg/controller/volume/persistentvolume):
 * binds claims to volumes, hands claims to their class's provisioner, and reclaims volumes
 * whose claim went away. One queue holds both kinds of key, `claim:<ns>/<name>` and
 * `volume:<name>`; a volume's change also queues the claims it may now satisfy.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim, StorageClass } from '@skiff/api';
import { findResourceByKind } from '@skiff/api';
import { ControllerRunner, objectKey, watch, type EventMapper, type KubeObject, type SyncResult } from '@skiff/client';
import type { Controller } from '../controller.ts';
import { classesResource, claimsResource, volumesResource } from './binder.ts';
import { syncClaim, type PvControllerDeps } from './sync-claim.ts';
import { syncVolume } from './sync-volume.ts';
import { claimClass } from './util.ts';

const nodesResource = findResourceByKind('v1', 'Node')!;
const CLAIM = 'claim:';
const VOLUME = 'volume:';

export class PersistentVolumeController {
  readonly deps: PvControllerDeps;
  /** Where a sync queues keys of other objects (the runner's queue once running). */
  enqueue: (keys: string[]) => void = () => undefined;

  constructor(deps: PvControllerDeps) {
    this.deps = deps;
  }

  async sync(key: string): Promise<SyncResult> {
    if (key.startsWith(CLAIM)) {
      const [ns, name] = key.slice(CLAIM.length).split('/');
      const claim = this.deps.claims.get(ns, name ?? '');
      if (!claim) return undefined;
      const result = await syncClaim(this.deps, claim);
      if (claim.spec?.volumeName) this.enqueue([VOLUME + claim.spec.volumeName]);
      return result;
    }
    const volume = this.deps.volumes.get(undefined, key.slice(VOLUME.length));
    if (!volume) return undefined;
    const { result, claimsToSync } = await syncVolume(this.deps, volume);
    this.enqueue(claimsToSync.map((k) => CLAIM + k));
    return result;
  }

  claimKeys(claim: PersistentVolumeClaim): string[] {
    const keys = [CLAIM + objectKey(claim)];
    if (claim.spec?.volumeName) keys.push(VOLUME + claim.spec.volumeName);
    // A claim that went away releases its volume: find it by claimRef, the claim's volumeName may be unset.
    for (const volume of this.deps.volumes.list()) {
      const ref = volume.spec?.claimRef;
      if (ref?.uid && ref.uid === claim.metadata?.uid) keys.push(VOLUME + (volume.metadata?.name ?? ''));
    }
    return keys;
  }

  /** A volume's change: itself, its claim, and every unbound claim of its class (it may fit one now). */
  volumeKeys(volume: PersistentVolume): string[] {
    const keys = [VOLUME + (volume.metadata?.name ?? '')];
    const ref = volume.spec?.claimRef;
    if (ref?.name) keys.push(`${CLAIM}${ref.namespace ?? ''}/${ref.name}`);
    const klass = volume.spec?.storageClassName ?? '';
    for (const claim of this.deps.claims.list()) {
      if (!claim.spec?.volumeName && claimClass(claim) === klass) keys.push(CLAIM + objectKey(claim));
    }
    return keys;
  }
}

/**
 * Not keyedController: a sync queues keys of other objects (a volume's sync finds the claim
 * that must finish binding), so the controller holds its runner to enqueue into it.
 */
export function newPersistentVolumeBinderController(): Controller {
  const name = 'persistentvolume-binder';
  return {
    name,
    async run(ctx, signal) {
      const claims = ctx.informers.informerFor<PersistentVolumeClaim>(claimsResource);
      const volumes = ctx.informers.informerFor<PersistentVolume>(volumesResource);
      const classes = ctx.informers.informerFor<StorageClass>(classesResource);
      const nodes = ctx.informers.informerFor<Node>(nodesResource);
      const controller = new PersistentVolumeController({ client: ctx.client, claims, volumes, classes, nodes, recorder: ctx.recorder, logger: ctx.logger });
      const runner = new ControllerRunner({
        name,
        watches: [
          watch(
            claims,
            keysOnChange<PersistentVolumeClaim>((c) => controller.claimKeys(c)),
          ),
          watch(
            volumes,
            keysOnChange<PersistentVolume>((v) => controller.volumeKeys(v)),
          ),
        ],
        reads: [classes, nodes],
        sync: (key) => controller.sync(key),
        workers: ctx.config.workers?.[name] ?? 5,
        logger: ctx.logger,
      });
      controller.enqueue = (keys) => runner.enqueue(keys);
      await runner.run(signal);
    },
  };
}

/** Every real change (not a resync) of an object queues the keys it concerns. */
function keysOnChange<T extends KubeObject>(keysOf: (obj: T) => string[]): EventMapper<T> {
  return {
    add: keysOf,
    update: (old, cur) => (old.metadata?.resourceVersion === cur.metadata?.resourceVersion ? undefined : keysOf(cur)),
    delete: keysOf,
  };
}
