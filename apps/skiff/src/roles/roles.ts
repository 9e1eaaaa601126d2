/**
 * Roles, as in k3s: `skiff server` runs the apiserver, controller-manager and scheduler in one
 * Node.js process (etcd beside it as its own), `skiff agent` runs a node's kubelet, kube-proxy,
 * dns and node add-ons (the local-path provisioner's node half, the ingress controller, network policy) in one. This is the one module that turns a role (or a single component, `skiff run NAME`)
 * into a command line: `up`, the lab, `join`, the systemd units and the test harness all start
 * processes through it. A role's per-component flags live in a JSON file beside its pid file, so
 * its command line stays short and its marker (`--config=FILE`) names the installation.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../paths.ts';
import type { ComponentSpec, ManagedProcess, StartOptions } from '../processes.ts';

export type ComponentName = 'apiserver' | 'controller-manager' | 'scheduler' | 'kubelet' | 'kube-proxy' | 'dns' | 'local-path' | 'ingress' | 'network-policy';
export type RoleName = 'server' | 'agent';

export const ROLE_COMPONENTS: Record<RoleName, readonly ComponentName[]> = {
  server: ['apiserver', 'controller-manager', 'scheduler'],
  agent: ['kubelet', 'kube-proxy', 'dns', 'local-path', 'ingress', 'network-policy'],
};
export const COMPONENT_NAMES: readonly ComponentName[] = [...ROLE_COMPONENTS.server, ...ROLE_COMPONENTS.agent];

/** What a role process runs: each of its components with its flags, in start order. */
export type RoleConfig = { role: RoleName; components: Array<{ name: ComponentName; flags: string[] }> };

const SKIFF_MAIN = join(REPO_ROOT, 'apps/skiff/src/main.ts');

/**
 * V8 limits per role. The young generation is what an idle Node.js process holds most of beyond its
 * live data (16 MB semi-spaces by default): the agent, whose work comes in small steady events, runs
 * with 1 MB (its RSS 153 → 125 MB with the example app, `./skiff bench footprint`); the server takes
 * bursts of requests and keeps more. The old-space caps leave several times the measured heap as
 * headroom, so a leak ends in a restart rather than in the machine swapping.
 */
export const ROLE_V8_FLAGS: Record<RoleName, string[]> = {
  server: ['--max-semi-space-size=4', '--max-old-space-size=1024'],
  agent: ['--max-semi-space-size=1', '--max-old-space-size=256'],
};

export function isComponentName(name: string): name is ComponentName {
  return (COMPONENT_NAMES as readonly string[]).includes(name);
}

export function isRoleName(name: string): name is RoleName {
  return name === 'server' || name === 'agent';
}

export async function writeRoleConfig(file: string, config: RoleConfig): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Flags name key files, not keys: still, only root (the role's user) needs to read it.
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

/** Reads and checks a role file; every error names the file. */
export async function readRoleConfig(file: string): Promise<RoleConfig> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const config = parsed as Partial<RoleConfig>;
  if (!config || typeof config.role !== 'string' || !isRoleName(config.role)) throw new Error(`${file}: "role" must be server or agent`);
  if (!Array.isArray(config.components) || config.components.length === 0) throw new Error(`${file}: "components" must list at least one component`);
  for (const c of config.components) {
    if (!c || typeof c.name !== 'string' || !ROLE_COMPONENTS[config.role].includes(c.name as ComponentName)) {
      throw new Error(`${file}: a ${config.role} runs ${ROLE_COMPONENTS[config.role].join(', ')}; got component ${JSON.stringify(c?.name)}`);
    }
    if (!Array.isArray(c.flags) || !c.flags.every((f) => typeof f === 'string')) throw new Error(`${file}: ${c.name}.flags must be a list of strings`);
  }
  return config as RoleConfig;
}

/** Where `up` and `join` keep a role's file: $SKIFF_HOME/roles/<role>.json (the systemd units read it too). */
export function roleConfigFile(home: string, role: RoleName): string {
  return join(home, 'roles', `${role}.json`);
}

/**
 * `node apps/skiff/src/main.ts <role> --config=FILE`. With `restartOnFailure` (no systemd to do
 * it), a role whose component stops by itself starts its own successor before it exits.
 */
export function roleCommand(
  configFile: string,
  role: RoleName,
  opts: { restartOnFailure?: boolean; pidFile?: string } = {},
): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [
      ...ROLE_V8_FLAGS[role],
      SKIFF_MAIN,
      role,
      `--config=${configFile}`,
      ...(opts.restartOnFailure ? ['--restart-on-failure'] : []),
      ...(opts.pidFile ? [`--pid-file=${opts.pidFile}`] : []),
    ],
  };
}

/** `node apps/skiff/src/main.ts run NAME FLAGS`: one component alone in its process (debugging, tests, hollow nodes). */
export function componentCommand(name: ComponentName, flags: string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: [SKIFF_MAIN, 'run', name, ...flags] };
}

/** The marker a role process's command line carries: its file, which only this installation's role has. */
export function roleMarker(configFile: string): string {
  return `--config=${configFile}`;
}

/**
 * A role as the launcher manages it: one process, written file and command line, healthy when each
 * of its components is. `members` are the components' own specs (their health checks), given the
 * role's process so `status` finds each component's pid.
 */
export function roleSpec(
  proc: ManagedProcess,
  config: RoleConfig,
  configFile: string,
  members: Array<Pick<ComponentSpec, 'healthUrl' | 'isHealthy'>>,
  opts: {
    restartOnFailure?: boolean;
    wrap?: (cmd: { command: string; args: string[] }) => { command: string; args: string[] };
    env?: NodeJS.ProcessEnv;
    cwd?: string;
  } = {},
): ComponentSpec & { config: RoleConfig; writeConfig(): Promise<void> } {
  return {
    ...proc,
    config,
    healthUrl: members.map((m) => m.healthUrl).join(' '),
    isHealthy: async () => (await Promise.all(members.map((m) => m.isHealthy()))).every(Boolean),
    writeConfig: () => writeRoleConfig(configFile, config),
    createStartOptions: (): StartOptions => {
      const cmd = roleCommand(configFile, config.role, { restartOnFailure: opts.restartOnFailure, pidFile: proc.pidFile });
      const wrapped = opts.wrap ? opts.wrap(cmd) : cmd;
      return { ...proc, ...wrapped, cwd: opts.cwd ?? REPO_ROOT, ...(opts.env ? { env: opts.env } : {}) };
    },
  };
}
