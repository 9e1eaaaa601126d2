/** Go-style durations as kubectl flags take them: '30s', '1m30s', '500ms', '2h'; a bare number means seconds. */
import { CliError } from './errors.ts';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string, flag = 'timeout'): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * units[m[2]];
    matched += m[0].length;
  }
  if (matched === 0 || matched !== text.length) throw new CliError(`invalid argument "${text}" for "--${flag}" flag: time: invalid duration "${text}"`);
  return total;
}
