/**
 * When a CronJob should have started (kube's cronjob utils): the most recent activation not
 * yet run, how many were missed, the Job name of a slot, and when to look again.
 */
import type { CronSchedule } from '@skiff/api';

/** More missed activations than this: warn and start only the latest (upstream's rule). */
export const MAX_MISSED_START_TIMES = 100;
/** Requeue a little after the next activation so the clock has surely passed it. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface UnmetSchedule {
  /** The latest activation in (earliest, now], if any. */
  mostRecent: Date | undefined;
  /** How many activations fell in (earliest, now]; past MAX_MISSED_START_TIMES an estimate. */
  missed: number;
}

/**
 * Activations strictly after `earliest` and not after `now`. Counting stops past the limit
 * (a `* * * * *` CronJob that was off for a year must not walk half a million minutes): the
 * rest is estimated from the spacing of the first two, and the latest found by searching
 * back from `now` in growing windows.
 */
export function unmetSchedule(schedule: CronSchedule, earliest: Date, now: Date): UnmetSchedule {
  let mostRecent: Date | undefined;
  let missed = 0;
  for (let t = schedule.next(earliest); t && t.getTime() <= now.getTime(); t = schedule.next(t)) {
    mostRecent = t;
    missed++;
    if (missed > MAX_MISSED_START_TIMES) {
      const first = schedule.next(earliest)!;
      const second = schedule.next(first);
      const spacing = second ? second.getTime() - first.getTime() : 0;
      const estimate = spacing > 0 ? Math.floor((now.getTime() - first.getTime()) / spacing) + 1 : missed;
      return { mostRecent: latestNotAfter(schedule, earliest, now) ?? mostRecent, missed: Math.max(missed, estimate) };
    }
  }
  return { mostRecent, missed };
}

/** The last activation in (floor, now], searching windows of 1 min, 2 min, 4 min ... back from now. */
function latestNotAfter(schedule: CronSchedule, floor: Date, now: Date): Date | undefined {
  for (let window = 60_000; ; window *= 2) {
    const from = new Date(Math.max(floor.getTime(), now.getTime() - window));
    let last: Date | undefined;
    for (let t = schedule.next(from); t && t.getTime() <= now.getTime(); t = schedule.next(t)) last = t;
    if (last || from.getTime() === floor.getTime()) return last;
  }
}

/** `<cronjob>-<minutes since the epoch>`: one name per slot, so a slot never runs twice. */
export function jobNameForSlot(cronJobName: string, scheduledAt: Date): string {
  return `${cronJobName}-${Math.floor(scheduledAt.getTime() / 60_000)}`;
}

/** Milliseconds until just after the next activation, or undefined when there is none. */
export function untilNextActivationMs(schedule: CronSchedule, now: Date): number | undefined {
  const next = schedule.next(now);
  return next ? next.getTime() - now.getTime() + NEXT_SCHEDULE_DELTA_MS : undefined;
}

/**
 * RFC 3339 in the CronJob's zone, as Go's time.Format(time.RFC3339) after In(location):
 * 10:00 UTC in Europe/Paris in March is `2026-03-01T11:00:00+01:00`; a zero offset is `Z`.
 */
export function formatInZone(at: Date, timeZone: string | undefined): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: timeZone ?? 'UTC',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const offset = /^GMT([+-]\d{2}:\d{2})$/.exec(parts.timeZoneName ?? '')?.[1] ?? 'Z';
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset === '+00:00' || offset === '-00:00' ? 'Z' : offset}`;
}
