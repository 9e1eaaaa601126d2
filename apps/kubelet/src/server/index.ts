/**
 * The kubelet's HTTPS API (what the apiserver proxies `kubectl logs/exec/attach/port-forward/top` to):
 * /healthz, /stats/summary, /containerLogs, and the streaming endpoints /exec, /attach, /portForward
 * over WebSocket (websocket.ts) or SPDY (spdy/), both driving one StreamingBackend.
 */
export { startKubeletServer, type KubeletServer, type KubeletServerDeps, type KubeletServerOptions } from './kubelet-server.ts';
export {
  parseStreamRequest,
  StreamError,
  toErrorStatus,
  toExitStatus,
  type ResizeSource,
  type SessionResult,
  type SessionStreams,
  type StreamingBackend,
  type StreamKind,
  type StreamRequest,
  type StreamStatus,
  type TerminalSize,
} from './streaming-backend.ts';
export { DockerStreamingBackend } from './docker-backend.ts';
export { StatsCollector, type StatsSummary, type PodStats, type ContainerStats, type NodeStats, type CpuStats, type MemoryStats } from './stats.ts';
export { KUBELET_CLIENT_CN, KubeletAuth, type AuthorizationMode } from './auth.ts';
