/**
 * The role processes: `skiff server --config=FILE`, `skiff agent --config=FILE`, and `skiff run NAME
 * FLAGS` (one component alone). Components are loaded only when a role runs them, so an agent never
 * loads the apiserver. A component that stops by itself takes its whole process down; systemd
 * restarts the unit, and without it (`--restart-on-failure`, as `up` and the lab start roles) the
 * process starts its own successor first: same command line, same log, same pid file.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, runProcessMain, type ComponentMain, type ComponentPart } from '@skiff/log';
import { startCertificateRenewer } from './cert-renewer.ts';
import { isComponentName, isRoleName, readRoleConfig, type ComponentName, type RoleName } from './roles.ts';

type AnyMain = ComponentMain<{ logLevel?: string }>;
/** A process runs components of different configs side by side; each only ever gets its own parsed config. */
const anyMain = <C extends { logLevel?: string }>(main: ComponentMain<C>): AnyMain => main as unknown as AnyMain;

const LOADERS: Record<ComponentName, () => Promise<AnyMain>> = {
  apiserver: async () => anyMain((await import('@skiff/apiserver/component')).apiServerComponent),
  'controller-manager': async () => anyMain((await import('@skiff/controller-manager/component')).controllerManagerComponent),
  scheduler: async () => anyMain((await import('@skiff/scheduler/component')).schedulerComponent),
  kubelet: async () => anyMain((await import('@skiff/kubelet/component')).kubeletComponent),
  'kube-proxy': async () => anyMain((await import('@skiff/kube-proxy/component')).kubeProxyComponent),
  dns: async () => anyMain((await import('@skiff/dns/component')).dnsComponent),
  'local-path': async () => anyMain((await import('@skiff/local-path/component')).localPathComponent),
  ingress: async () => anyMain((await import('@skiff/ingress/component')).ingressComponent),
  'network-policy': async () => anyMain((await import('@skiff/network-policy/component')).networkPolicyComponent),
};

/** A role that dies this soon after starting waits out the rest before its successor starts: no hot loop. */
const MIN_LIFETIME_MS = 10_000;
const startedAt = Date.now();

export function parseRoleArgs(role: string, args: string[]): { role: RoleName; configFile: string; restartOnFailure: boolean; pidFile?: string } {
  if (!isRoleName(role)) throw new Error(`skiff: unknown role "${role}"`);
  let configFile: string | undefined;
  let restartOnFailure = false;
  let pidFile: string | undefined;
  for (const arg of args) {
    if (arg.startsWith('--config=')) configFile = arg.slice('--config='.length);
    else if (arg === '--restart-on-failure') restartOnFailure = true;
    else if (arg.startsWith('--pid-file=')) pidFile = arg.slice('--pid-file='.length);
    else throw new Error(`skiff ${role}: unexpected argument "${arg}" (usage: skiff ${role} --config=FILE [--restart-on-failure] [--pid-file=FILE])`);
  }
  if (!configFile) throw new Error(`skiff ${role}: --config=FILE is required (./skiff up writes $SKIFF_HOME/roles/${role}.json)`);
  return { role, configFile, restartOnFailure, ...(pidFile ? { pidFile } : {}) };
}

/** Starts this very command again, detached, writing to the same stdout/stderr (the role's log). */
async function startSuccessor(pidFile: string | undefined): Promise<void> {
  const lived = Date.now() - startedAt;
  if (lived < MIN_LIFETIME_MS) await sleep(MIN_LIFETIME_MS - lived);
  spawnSuccessor(pidFile);
}

function spawnSuccessor(pidFile: string | undefined): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['ignore', 1, 2],
    cwd: process.cwd(),
    env: process.env,
  });
  child.unref();
  if (pidFile && child.pid !== undefined) writeFileSync(pidFile, `${child.pid}\n`);
}

/**
 * The server role renews the certificates of its host. A renewed etcd client certificate is only
 * used by a new gRPC client, so with --restart-on-failure the role then stops gracefully and its
 * successor starts once this process has exited and freed its ports.
 */
function startServerRenewer(config: Awaited<ReturnType<typeof readRoleConfig>>, opts: ReturnType<typeof parseRoleArgs>): void {
  const logger = createLogger('cert-renewer');
  startCertificateRenewer(config, {
    logger,
    onEtcdClientRenewed: () => {
      if (!opts.restartOnFailure) {
        // Nobody would start this role again: say what to do instead of stopping it.
        logger.warn("the apiserver's etcd client certificate was renewed; restart the server role before the old one expires to use it");
        return;
      }
      logger.info("the apiserver's etcd client certificate was renewed; restarting the server role to use it");
      process.once('exit', () => spawnSuccessor(opts.pidFile));
      process.kill(process.pid, 'SIGTERM');
    },
  });
}

/** `skiff server|agent --config=FILE ...`: never returns. */
export async function runRole(role: string, args: string[]): Promise<number> {
  const opts = parseRoleArgs(role, args);
  const config = await readRoleConfig(opts.configFile);
  if (config.role !== opts.role) throw new Error(`${opts.configFile} describes a ${config.role}, not a ${opts.role}`);
  if (opts.pidFile) writeFileSync(opts.pidFile, `${process.pid}\n`);
  const parts: ComponentPart[] = [];
  for (const c of config.components) parts.push({ main: await LOADERS[c.name](), argv: c.flags });
  if (config.role === 'server') startServerRenewer(config, opts);
  return runProcessMain(parts, {
    name: opts.role,
    ...(opts.restartOnFailure ? { onComponentExit: () => startSuccessor(opts.pidFile) } : {}),
  });
}

/** `skiff run NAME FLAGS`: one component in its own process, as its own main.ts runs it. */
export async function runSingleComponent(args: string[]): Promise<number> {
  const [name, ...flags] = args;
  if (name === undefined || !isComponentName(name)) {
    throw new Error(`skiff run: want a component (${Object.keys(LOADERS).join(', ')}), got "${name ?? ''}"`);
  }
  return runProcessMain([{ main: await LOADERS[name](), argv: flags }], { name });
}
