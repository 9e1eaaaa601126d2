/**
 * What the in-memory benches (proxy, netpol, ingress) share: integer flags with bounds, the median
 * of their rounds, informers over fixed arrays, and a throwaway network namespace to run iptables in.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

export interface IntegerFlag {
  default: number;
  /** 1 unless given. */
  min?: number;
  max: number;
}

/**
 * Parses `--name=N` flags, each an integer within its bounds, or throws naming the flag, the bounds
 * and the bench's usage: `--pods: want an integer 1..60000, got "0"`.
 */
export function parseIntegerFlags<K extends string>(args: string[], flags: Record<K, IntegerFlag>, usage: string): Record<K, number> {
  const names = Object.keys(flags) as K[];
  const { values } = parseArgs({ args, options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])) });
  const parsed = {} as Record<K, number>;
  for (const name of names) {
    const { default: dflt, min = 1, max } = flags[name];
    const value = values[name] as string | undefined;
    const n = Number(value ?? dflt);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: want an integer ${min}..${max}, got "${value}"\n${usage}`);
    parsed[name] = n;
  }
  return parsed;
}

/** The middle value (the upper one of an even count): what a bench reports over its rounds. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A 32-bit number as a dotted IPv4 address: 0x0af40002 → 10.244.0.2. */
export function ipString(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** The informer shape the proxier and the policy enforcer read (list, and handlers they register). */
export interface ListedSource<T> {
  list(): T[];
  onAdd(handler: (obj: T) => void): void;
  onUpdate(handler: (oldObj: T, newObj: T) => void): void;
  onDelete(handler: (obj: T) => void): void;
}

/** An informer over what `items` returns now: the component only lists it, so no event ever fires. */
export function staticInformer<T>(items: () => T[]): ListedSource<T> {
  return { list: items, onAdd: () => {}, onUpdate: () => {}, onDelete: () => {} };
}

/**
 * Runs `fn` with a network namespace of its own, removed afterwards and on Ctrl-C, so the bench's
 * rules never touch the host's tables. Needs root: says so, naming the bench, when not.
 */
export async function withThrowawayNetns<R>(bench: string, netns: string, fn: () => Promise<R>): Promise<R> {
  if (process.getuid?.() !== 0) throw new Error(`bench ${bench} needs root (it creates a network namespace and runs iptables in it)`);
  const add = spawnSync('ip', ['netns', 'add', netns], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`ip netns add ${netns}: ${add.stderr.trim()}`);
  const removeNetns = () => spawnSync('ip', ['netns', 'del', netns]);
  const onInterrupt = () => {
    removeNetns();
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onInterrupt);
    removeNetns();
  }
}
