/**
 * horizontalpodautoscaling: scales the targets of HorizontalPodAutoscalers from metrics.k8s.io,
 * as pkg/controller/podautoscaler does. Every HPA is looked at on creation and spec changes and
 * then every sync period (15 s); a failed pass is retried on the next period, not sooner, so an
 * unreadable metric costs one event per period rather than a hot loop. Issue #19.
 */
import { findResourceByKind, parseLabelSelector, type HorizontalPodAutoscaler, type Pod } from '@skiff/api';
import { isConflict, NAMESPACE_INDEX, objectKey, ResourceDiscovery, splitKey, watch, type Lister, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import type { ControllerManagerConfig } from '../config.ts';
import { keyedController, type Controller } from '../controller.ts';
import { ScalingHistory } from './behavior.ts';
import { RestMetricsClient } from './metrics-client.ts';
import { reconcileAutoscaler, ReconcileError, type HpaSettings, type ReconcileDeps } from './reconcile.ts';
import { DEFAULT_TIMINGS } from './replica-calculator.ts';

export const hpaResource = findResourceByKind('autoscaling/v2', 'HorizontalPodAutoscaler')!;
const podsResource = findResourceByKind('v1', 'Pod')!;

/** kube-controller-manager's --horizontal-pod-autoscaler-* settings (the tolerance has no flag: 0.1). */
export function hpaSettings(config: Partial<ControllerManagerConfig> = {}): HpaSettings {
  return {
    syncPeriodMs: (config.horizontalPodAutoscalerSyncPeriodSeconds ?? 15) * 1000,
    tolerance: DEFAULT_TIMINGS.tolerance,
    downscaleStabilizationSeconds: config.horizontalPodAutoscalerDownscaleStabilizationSeconds ?? 300,
    cpuInitializationPeriodMs: (config.horizontalPodAutoscalerCpuInitializationPeriodSeconds ?? 300) * 1000,
    delayOfInitialReadinessStatusMs: (config.horizontalPodAutoscalerInitialReadinessDelaySeconds ?? 30) * 1000,
  };
}

export interface HpaSyncerDeps {
  client: Pick<RestClient, 'get' | 'update' | 'request'>;
  hpas: Lister<HorizontalPodAutoscaler>;
  pods: { byIndex(index: string, value: string): Pod[] };
  recorder: ReconcileDeps['recorder'];
  settings: HpaSettings;
  logger?: Logger;
  now?: () => number;
}

/** The per-key sync and the state it keeps between passes (recommendations, scale events, selectors). */
export class HpaSyncer {
  readonly history = new ScalingHistory();
  /** Each HPA's last target selector, for AmbiguousSelector (upstream's hpaSelectors store). */
  readonly #selectors = new Map<string, string>();
  readonly #deps: ReconcileDeps;
  readonly #hpas: Lister<HorizontalPodAutoscaler>;
  readonly #logger: Logger | undefined;
  readonly #periodMs: number;

  constructor(deps: HpaSyncerDeps) {
    const discovery = new ResourceDiscovery(deps.client);
    this.#hpas = deps.hpas;
    this.#logger = deps.logger;
    this.#periodMs = deps.settings.syncPeriodMs;
    this.#deps = {
      client: deps.client,
      resolveKind: (apiVersion, kind) => discovery.resolveKind(apiVersion, kind),
      podsIn: (ns) => deps.pods.byIndex(NAMESPACE_INDEX, ns),
      otherHpasSelecting: (hpa, pods, selector) => this.#otherHpasSelecting(hpa, pods, selector),
      metrics: new RestMetricsClient(deps.client),
      recorder: deps.recorder,
      history: this.history,
      settings: deps.settings,
      writeStatus: (hpa) => writeStatus(deps.client, hpa),
      now: deps.now ?? Date.now,
    };
  }

  async sync(key: string): Promise<{ requeueAfter: number } | undefined> {
    const { namespace, name } = splitKey(key);
    const hpa = this.#hpas.get(namespace, name);
    if (!hpa) {
      this.history.forget(key);
      this.#selectors.delete(key);
      return undefined;
    }
    try {
      await reconcileAutoscaler(this.#deps, key, hpa);
    } catch (err) {
      if (!(err instanceof ReconcileError)) throw err; // a bug or a dead apiserver: the runner's backoff
      this.#logger?.info({ hpa: key, err: err.message }, 'horizontal pod autoscaler pass failed; trying again next period');
    }
    return { requeueAfter: this.#periodMs };
  }

  /** Remembers this HPA's selector and answers the other HPAs whose remembered selectors pick any of `pods`. */
  #otherHpasSelecting(hpa: HorizontalPodAutoscaler, pods: readonly Pod[], selector: string): string[] {
    const key = objectKey(hpa);
    this.#selectors.set(key, selector);
    const others: string[] = [];
    for (const [other, otherSelector] of this.#selectors) {
      if (other === key || splitKey(other).namespace !== hpa.metadata?.namespace || !this.#hpas.get(splitKey(other).namespace, splitKey(other).name)) continue;
      try {
        const parsed = parseLabelSelector(otherSelector);
        if (pods.some((p) => parsed.matches(p.metadata?.labels ?? {}))) others.push(other);
      } catch {
        // an unparsable selector selects nothing
      }
    }
    return others;
  }
}

/** PUT of the status; on a conflict (a spec edit meanwhile) once more over the fresh object. */
async function writeStatus(client: Pick<RestClient, 'get' | 'update'>, hpa: HorizontalPodAutoscaler): Promise<void> {
  try {
    await client.update(hpaResource, hpa, { subresource: 'status' });
  } catch (err) {
    if (!isConflict(err)) throw err;
    const fresh = await client.get<HorizontalPodAutoscaler>(hpaResource, hpa.metadata?.namespace, hpa.metadata?.name ?? '');
    await client.update(hpaResource, { ...fresh, status: hpa.status }, { subresource: 'status' });
  }
}

export function newHorizontalController(): Controller {
  return keyedController('horizontalpodautoscaling', 5, (ctx) => {
    const hpas = ctx.informers.informerFor<HorizontalPodAutoscaler>(hpaResource);
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    const syncer = new HpaSyncer({ client: ctx.client, hpas, pods, recorder: ctx.recorder, settings: hpaSettings(ctx.config), logger: ctx.logger });
    return {
      watches: [
        watch(hpas, {
          add: (hpa) => objectKey(hpa),
          // Our own status writes come back as updates: only a spec change is worth a pass now.
          update: (old, hpa) => (old.metadata?.generation === hpa.metadata?.generation ? undefined : objectKey(hpa)),
          delete: (hpa) => objectKey(hpa),
        }),
      ],
      reads: [pods],
      sync: (key) => syncer.sync(key),
    };
  });
}
