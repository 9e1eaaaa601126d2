import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cronScheduleError, parseCronSchedule } from './cron-schedule.ts';

test('five fields and descriptors give the next activation after a time', () => {
  const at = new Date('2026-01-01T00:03:30Z');
  assert.equal(parseCronSchedule('*/5 * * * *').next(at)?.toISOString(), '2026-01-01T00:05:00.000Z');
  assert.equal(parseCronSchedule('@hourly').next(at)?.toISOString(), '2026-01-01T01:00:00.000Z');
  assert.equal(parseCronSchedule('@daily').next(at)?.toISOString(), '2026-01-02T00:00:00.000Z');
  // Strictly after: an activation at exactly `after` is not returned again.
  assert.equal(parseCronSchedule('* * * * *').next(new Date('2026-01-01T00:03:00Z'))?.toISOString(), '2026-01-01T00:04:00.000Z');
});

test('timeZone shifts the activations', () => {
  const paris = parseCronSchedule('0 9 * * *', 'Europe/Paris');
  assert.equal(paris.next(new Date('2026-01-01T00:00:00Z'))?.toISOString(), '2026-01-01T08:00:00.000Z');
});

test('day-of-month and day-of-week are ORed, as cron does', () => {
  // The 15th of January 2026 is a Thursday; Monday the 5th comes first.
  const s = parseCronSchedule('0 0 15 * 1');
  assert.equal(s.next(new Date('2026-01-01T00:00:00Z'))?.toISOString(), '2026-01-05T00:00:00.000Z');
});

test('what Kubernetes refuses is an error with a reason', () => {
  assert.match(cronScheduleError('61 * * * *')!, /minute/);
  assert.match(cronScheduleError('* * * *')!, /5 fields/);
  assert.match(cronScheduleError('0 * * * * *')!, /5 fields/);
  assert.match(cronScheduleError('@every 5m')!, /descriptor/);
  assert.match(cronScheduleError('TZ=UTC * * * * *')!, /timeZone field/);
  assert.match(cronScheduleError('* * * * *', 'Mars/Olympus')!, /unknown time zone/);
  assert.equal(cronScheduleError('0 0 * * 1-5', 'Etc/UTC'), undefined);
});
