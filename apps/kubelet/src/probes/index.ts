/** The kubelet's container probes: liveness, readiness and startup (see probe-manager.ts). */
export { ProbeManager, type ProbeManagerOptions, type ProbeEvent } from './probe-manager.ts';
export type { ProbeExec, RunningContainer, ProbeKind, ProbeOutcome } from './types.ts';
export { runProbe, resolvePort, PROBE_DEFAULTS } from './run-probe.ts';
export { probeHttp, PROBE_USER_AGENT } from './http-probe.ts';
export { probeTcp } from './tcp-probe.ts';
export { probeExec } from './exec-probe.ts';
export { probeGrpc } from './grpc-probe.ts';
export { dockerProbeExec, runningContainers } from './adapters.ts';
