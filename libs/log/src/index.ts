export { createLogger, type Logger } from './logger.ts';
export { createMetricsRegistry, type MetricsRegistry } from './metrics.ts';
export { markShuttingDown, serveMetrics, type MetricsServer } from './metrics-server.ts';
export {
  runComponentMain,
  runComponents,
  runProcessMain,
  type ComponentMain,
  type ComponentPart,
  type ProcessOptions,
  type ProcessOutcome,
} from './component-main.ts';
export {
  readFlags,
  formatUsage,
  flagDefaults,
  UsageError,
  splitFlags,
  parseIntegerFlag,
  parseBooleanFlag,
  parseDurationFlag,
  integer,
  boolean,
  duration,
  oneOf,
  matching,
  ipv4Cidr,
  LOG_LEVELS,
  logLevelFlag,
  kubeconfigFlag,
  metricsPortFlag,
  leaderElectionFlags,
  type FlagSpec,
  type FlagErrorFactory,
  type ValueFormat,
  type DurationUnit,
  type Env,
} from './flags.ts';
export {
  RotatingFile,
  DEFAULT_ROTATION,
  parseByteSize,
  rotateFile,
  rotateIfFull,
  rotatedFiles,
  rotationFromEnv,
  rotationLimitsFromEnv,
  type RotationOptions,
} from './rotating-file.ts';
