/**
 * A CronJob's schedule, as Kubernetes reads it (robfig/cron's ParseStandard): five fields
 * (minute hour day-of-month month day-of-week) or a descriptor (@yearly, @annually, @monthly,
 * @weekly, @daily, @midnight, @hourly), evaluated in `spec.timeZone` (default: the
 * controller's own zone, UTC here). The grammar is croner's; this module only restricts it
 * to what Kubernetes accepts and answers the two questions the API and controller ask.
 */
import { Cron } from 'croner';

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface CronSchedule {
  /** The first activation strictly after `after`, or undefined when there is none. */
  next(after: Date): Date | undefined;
}

/** Parses a schedule; throws an Error whose message says what is wrong. */
export function parseCronSchedule(schedule: string, timeZone?: string): CronSchedule {
  const text = schedule.trim();
  if (/^(CRON_)?TZ=/.test(text)) throw new Error('cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
  const pattern = DESCRIPTORS[text.toLowerCase()] ?? text;
  if (pattern.startsWith('@')) throw new Error(`unrecognized descriptor: ${text}`);
  const fields = pattern.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${text}`);
  if (timeZone !== undefined) checkTimeZone(timeZone);
  let cron: Cron;
  try {
    // croner ORs day-of-month and day-of-week when both are restricted, as Vixie cron and robfig do.
    cron = new Cron(fields.join(' '), { paused: true, timezone: timeZone, legacyMode: true });
  } catch (err) {
    throw new Error((err as Error).message.replace(/^CronPattern: /, ''));
  }
  return {
    next(after) {
      return cron.nextRun(after) ?? undefined;
    },
  };
}

/** An IANA zone name Intl knows ('Etc/UTC', 'Europe/Paris'); throws otherwise. */
export function checkTimeZone(timeZone: string): void {
  if (timeZone === '' || /^(Local|local)$/.test(timeZone)) throw new Error(`unknown time zone ${timeZone}`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`unknown time zone ${timeZone}`);
  }
}

/** The message of the error parseCronSchedule would throw, or undefined when the schedule is good. */
export function cronScheduleError(schedule: string, timeZone?: string): string | undefined {
  try {
    parseCronSchedule(schedule, timeZone);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
