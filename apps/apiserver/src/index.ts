/**
 * The apiserver component: `run(config, signals)` wires storage (etcd), the registry
 * (verb semantics) and the HTTPS layer, bootstraps the built-in namespaces and the
 * `kubernetes` Service, then serves. The launcher awaits the returned promise as
 * "the API is ready".
 */
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, createMetricsRegistry, type Logger } from '@skiff/log';
import { followKeyPair } from '@skiff/pki';
import type { ApiServerConfig } from './config.ts';
import { createRegistry } from './registry/index.ts';
import { createAggregationRoute, loadFrontProxy } from './http/aggregation/index.ts';
import { createEtcdStore } from './storage/index.ts';
import type { Store } from './storage/store.ts';
import { createAuthenticator, loadTokenFile } from './http/authn.ts';
import { bootstrapTokenSecrets, withBootstrapTokens } from './auth/bootstrap-token.ts';
import { setupAuthorization } from './auth/authorizer.ts';
import { setupServiceAccounts } from './auth/serviceaccount/index.ts';
import { createApiServer } from './http/server.ts';

export type { ApiServerConfig } from './config.ts';
export { parseApiServerFlags, usage } from './config.ts';

export interface ApiServerHandle {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ApiServerSignals {
  /** Resolves when etcd is up (the launcher starts it first). */
  etcdReady?: Promise<void>;
}

/** The address in the `kubernetes` Service's endpoints and in /api: the bind address, or this host's first non-loopback IPv4. */
function pickAdvertiseAddress(config: ApiServerConfig): string {
  if (config.advertiseAddress) return config.advertiseAddress;
  if (config.bindAddress !== '0.0.0.0' && config.bindAddress !== '::') return config.bindAddress;
  for (const addrs of Object.values(networkInterfaces())) {
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return '127.0.0.1';
}

async function readEncryptionKey(path: string): Promise<Buffer> {
  const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
  if (key.length !== 32) throw new Error(`encryption key ${path}: want 32 bytes (base64), got ${key.length}`);
  return key;
}

/** Applies the configured bookmark interval to every watch the registry opens. */
function withBookmarkInterval(store: Store, bookmarkIntervalMs: number): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'watch') {
        return (res: Parameters<Store['watch']>[0], ns: string | undefined, opts: Parameters<Store['watch']>[2], signal: AbortSignal) =>
          target.watch(res, ns, { bookmarkIntervalMs, ...opts }, signal);
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** etcd may still be electing a leader or unreachable: retry with backoff (0.5 s doubling to 10 s), saying so. */
async function bootstrapWithRetry(bootstrap: () => Promise<void>, logger: Logger): Promise<void> {
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      await bootstrap();
      if (attempt > 1) logger.info({ attempt }, 'bootstrap succeeded');
      return;
    } catch (err) {
      logger.warn({ attempt, retryInMs: delay, err: (err as Error).message }, 'bootstrap failed (is etcd reachable?); retrying');
      await sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

export async function run(config: ApiServerConfig, signals: ApiServerSignals = {}): Promise<ApiServerHandle> {
  const logger = createLogger('apiserver', config.logLevel);
  if (signals.etcdReady) await signals.etcdReady;

  const [cert, key, clientCa, tokens, encryptionKey] = await Promise.all([
    readFile(config.tlsCertFile),
    readFile(config.tlsPrivateKeyFile),
    readFile(config.clientCaFile),
    config.tokenAuthFile ? loadTokenFile(config.tokenAuthFile) : undefined,
    config.encryptionKeyFile ? readEncryptionKey(config.encryptionKeyFile) : undefined,
  ]);
  const advertiseAddress = pickAdvertiseAddress(config);
  const kubeletClient =
    config.kubeletClientCertificate && config.kubeletClientKey
      ? {
          cert: await readFile(config.kubeletClientCertificate),
          key: await readFile(config.kubeletClientKey),
          ...(config.kubeletCertificateAuthority ? { ca: await readFile(config.kubeletCertificateAuthority) } : {}),
        }
      : undefined;

  const etcdTls = config.etcdCaFile
    ? {
        ca: await readFile(config.etcdCaFile),
        ...(config.etcdCertFile ? { cert: await readFile(config.etcdCertFile) } : {}),
        ...(config.etcdKeyFile ? { key: await readFile(config.etcdKeyFile) } : {}),
      }
    : undefined;
  const store = withBookmarkInterval(
    createEtcdStore({
      endpoints: config.etcdServers,
      ...(etcdTls ? { tls: etcdTls } : {}),
      requestTimeoutMs: config.etcdRequestTimeoutMs,
      compactionIntervalMs: config.etcdCompactionIntervalMs,
      logger,
      ...(encryptionKey ? { encryptionKey } : {}),
    }),
    config.watchBookmarkIntervalMs,
  );
  const registry = createRegistry({
    store,
    serviceClusterIpRange: config.serviceClusterIpRange,
    serviceNodePortRange: config.serviceNodePortRange,
    advertiseAddress,
    advertisePort: config.securePort,
    logger,
    defaultNotReadyTolerationSeconds: config.defaultNotReadyTolerationSeconds,
    defaultUnreachableTolerationSeconds: config.defaultUnreachableTolerationSeconds,
    admissionControlConfigFile: config.admissionControlConfigFile,
  });

  let shuttingDown = false;
  let api: ReturnType<typeof createApiServer> | undefined;
  const frontProxy = await loadFrontProxy(config);
  try {
    await bootstrapWithRetry(() => registry.bootstrap(), logger);
    const serviceAccounts = await setupServiceAccounts(config, registry.context, logger);
    const authorization = await setupAuthorization(registry.context, logger);
    api = createApiServer({
      tls: { cert, key, clientCa },
      handlers: registry,
      served: registry.served,
      authenticate: serviceAccounts.authenticate(
        withBootstrapTokens(createAuthenticator(tokens), bootstrapTokenSecrets(registry.context.watched, store), logger),
      ),
      authorize: authorization.authorize,
      routes: [
        ...authorization.routes,
        ...serviceAccounts.routes,
        createAggregationRoute({ ctx: registry.context, frontProxy, clientCa: clientCa.toString() }),
      ],
      health: {
        livez: { ping: () => true },
        readyz: {
          ping: () => true,
          etcd: () => store.ping(),
          'crd-informer-synced': () => registry.customResourcesSynced(),
          shutdown: () => !shuttingDown,
        },
      },
      metrics: createMetricsRegistry('apiserver'),
      logger,
      maxRequestBytes: config.maxRequestBytes,
      maxRequestsInflight: config.maxRequestsInflight,
      maxMutatingRequestsInflight: config.maxMutatingRequestsInflight,
      ...(config.auditLogPath
        ? {
            audit: {
              path: config.auditLogPath,
              policyFile: config.auditPolicyFile,
              maxSizeMB: config.auditLogMaxsize,
              maxBackups: config.auditLogMaxbackup,
              maxAgeDays: config.auditLogMaxage,
            },
          }
        : {}),
      serverAddress: `${advertiseAddress}:${config.securePort}`,
      kubeletClient,
    });
    const server = api.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.securePort, config.bindAddress, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }

  const address = api.server.address();
  const port = typeof address === 'object' && address ? address.port : config.securePort;
  const host = config.bindAddress === '0.0.0.0' || config.bindAddress === '::' ? '127.0.0.1' : config.bindAddress;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, etcd: config.etcdServers, advertiseAddress }, 'apiserver serving');

  // Renewed certificates are taken in place: the serving one for new connections, the kubelet and
  // front-proxy client ones for the next request (both are read per request).
  const started = api;
  const stopReloading = [
    followKeyPair(
      { cert: config.tlsCertFile, key: config.tlsPrivateKeyFile },
      (p) => started.server.setSecureContext({ cert: p.cert, key: p.key, ca: clientCa }),
      { logger, what: 'serving' },
    ),
    ...(kubeletClient && config.kubeletClientCertificate && config.kubeletClientKey
      ? [
          followKeyPair({ cert: config.kubeletClientCertificate, key: config.kubeletClientKey }, (p) => Object.assign(kubeletClient, p), {
            logger,
            what: 'kubelet client',
          }),
        ]
      : []),
    ...(frontProxy && config.proxyClientCertFile && config.proxyClientKeyFile
      ? [
          followKeyPair({ cert: config.proxyClientCertFile, key: config.proxyClientKeyFile }, (p) => Object.assign(frontProxy, p), {
            logger,
            what: 'front-proxy client',
          }),
        ]
      : []),
  ];

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close(): Promise<void> {
      closing ??= (async () => {
        shuttingDown = true;
        for (const stop of stopReloading) stop();
        logger.info('apiserver shutting down');
        await started.shutdown();
        registry.close();
        await store.close();
        logger.info('apiserver stopped');
      })();
      return closing;
    },
  };
}
