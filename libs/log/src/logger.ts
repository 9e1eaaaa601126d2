import { pino, type Logger } from 'pino';
import { RotatingFile, rotationFromEnv } from './rotating-file.ts';

export type { Logger };

/** Where this process's loggers write: stdout, or (SKIFF_LOG_FILE set) one size-rotated file. */
let destination: RotatingFile | 'stdout' | undefined;

function processDestination(): RotatingFile | undefined {
  if (destination === undefined) {
    const rotation = rotationFromEnv();
    destination = rotation ? new RotatingFile(rotation.path, rotation) : 'stdout';
    for (const problem of rotation?.problems ?? []) process.stderr.write(`skiff: ${problem}\n`);
  }
  return destination === 'stdout' ? undefined : destination;
}

/**
 * Every component logs JSON lines through pino. `SKIFF_LOG_LEVEL` overrides the level;
 * tests default to `warn` so a passing run stays quiet. A process the launcher started detached
 * (SKIFF_LOG_FILE set: see rotating-file.ts) writes its lines to that file itself, rotated by size.
 */
export function createLogger(component: string, level = process.env.SKIFF_LOG_LEVEL ?? 'info'): Logger {
  const file = processDestination();
  const options = { name: component, level, base: { component } };
  return file ? pino(options, file) : pino(options);
}
