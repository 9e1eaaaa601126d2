export { createLogger, type Logger } from './logger.ts';
export { createMetricsRegistry, type MetricsRegistry } from './metrics.ts';
export { markShuttingDown, serveMetrics, type MetricsServer } from './metrics-server.ts';
export { runComponentMain, type ComponentMain } from './component-main.ts';
export { splitFlags, parseIntegerFlag, parseBooleanFlag, type FlagErrorFactory } from './flags.ts';
