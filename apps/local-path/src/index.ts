import { Counter } from 'prom-client';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '@skiff/api';
import {
  followKubeconfigCertificate,
  ControllerRunner,
  EventRecorder,
  InformerFactory,
  RestClient,
  watch,
  type EventMapper,
  type KubeObject,
} from '@skiff/client';
import { createLogger, createMetricsRegistry, serveMetrics, type Logger, type MetricsServer } from '@skiff/log';
import type { LocalPathConfig } from './config.ts';
import { PROVISIONER_NAME as PROVISIONER } from './volume-for-claim.ts';
import { claimKeyOf, claimsResource, classesResource, LocalPathProvisioner, volumeKeyOf, volumesResource } from './provisioner.ts';

export type { LocalPathConfig } from './config.ts';
export { parseLocalPathFlags, defaultStorageRoot, FlagError, usage } from './config.ts';
export { LocalPathProvisioner, type ProvisionerDeps } from './provisioner.ts';
export { PROVISIONER_NAME, buildVolume, directoryFor, volumeNameFor } from './volume-for-claim.ts';

export interface RunOptions {
  logger?: Logger;
  /** Called once the caches synced and the metrics server listens (its port, 0 when off). */
  onReady?: (metricsPort: number) => void;
}

/** Real changes only (an informer's resync is not one): the object's own key. */
function onChange<T extends KubeObject>(keyOf: (obj: T) => string): EventMapper<T> {
  return {
    add: keyOf,
    update: (old, cur) => (old.metadata?.resourceVersion === cur.metadata?.resourceVersion ? undefined : keyOf(cur)),
  };
}

/** The provisioner's process part: informers on claims, volumes and classes, one worker queue, until the signal aborts. */
export async function run(config: LocalPathConfig, signal: AbortSignal, opts: RunOptions = {}): Promise<void> {
  const logger = opts.logger ?? createLogger('local-path', config.logLevel);
  const client = RestClient.fromKubeconfig(config.kubeconfig, { userAgent: `skiff-local-path/${config.nodeName}` });
  // A renewed client certificate in the kubeconfig is taken without a restart.
  signal.addEventListener('abort', followKubeconfigCertificate(config.kubeconfig, client), { once: true });
  const registry = createMetricsRegistry('local-path');
  const provisioned = new Counter({ name: 'skiff_local_path_volumes_provisioned_total', help: 'Volumes this node provisioned.', registers: [registry] });
  const deleted = new Counter({
    name: 'skiff_local_path_volumes_deleted_total',
    help: 'Released volumes this node deleted with their directories.',
    registers: [registry],
  });
  const informers = new InformerFactory(client, { logger });
  const claims = informers.informerFor<PersistentVolumeClaim>(claimsResource);
  const volumes = informers.informerFor<PersistentVolume>(volumesResource);
  const classes = informers.informerFor<StorageClass>(classesResource);
  const recorder = new EventRecorder(client, { component: `${PROVISIONER}_${config.nodeName}`, logger });
  const provisioner = new LocalPathProvisioner({
    client,
    claims,
    volumes,
    classes,
    recorder,
    logger,
    nodeName: config.nodeName,
    storageRoot: config.storageRoot,
    onProvisioned: () => provisioned.inc(),
    onDeleted: () => deleted.inc(),
  });
  const runner = new ControllerRunner({
    name: 'local-path-provisioner',
    watches: [watch(claims, onChange(claimKeyOf)), watch(volumes, onChange(volumeKeyOf))],
    reads: [classes],
    sync: (key) => provisioner.sync(key),
    logger,
  });
  let server: MetricsServer | undefined;
  try {
    if (config.metricsPort > 0) server = await serveMetrics(registry, config.metricsPort);
    informers.start(signal);
    const running = runner.run(signal);
    if (await informers.waitForSync(signal)) {
      logger.info({ node: config.nodeName, storageRoot: config.storageRoot }, 'local-path provisioner running');
      opts.onReady?.(server?.port ?? 0);
    }
    await running;
    await recorder.flush();
  } finally {
    await server?.close();
    client.close();
  }
}
