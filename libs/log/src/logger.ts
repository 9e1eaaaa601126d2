import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Every component logs JSON lines through pino. `SKIFF_LOG_LEVEL` overrides the level;
 * tests default to `warn` so a passing run stays quiet.
 */
export function createLogger(component: string, level = process.env.SKIFF_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: component, level, base: { component } });
}
