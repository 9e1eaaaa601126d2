// The launcher's reusable pieces (the lab and `join` of later issues build on them).
export { REPO_ROOT, resolveSkiffHome, resolveSkiffPaths, resolveSkiffPorts, getPidFile, getLogFile } from './paths.ts';
export type { SkiffPaths, SkiffPorts, ManagedProcessName } from './paths.ts';
export { startDetached, stopProcess, findRunningPid, isOurProcess, readPidFile, waitForExit, readLogTail } from './processes.ts';
export type { ManagedProcess, StartOptions, StopResult } from './processes.ts';
export { findKubectl, DEBIAN_KUBECTL } from './kubectl.ts';
export { componentCommand, roleCommand, writeRoleConfig, COMPONENT_NAMES, ROLE_COMPONENTS } from './roles/roles.ts';
export type { ComponentName, RoleConfig, RoleName } from './roles/roles.ts';
export * from './roles/component-flags.ts';
export { startCertificateRenewer, launcherKubeconfigs, RENEW_INTERVAL_MS } from './roles/cert-renewer.ts';
