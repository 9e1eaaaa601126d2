import { UsageError } from './usage.ts';

/** `skiff bench <name> [args]`: runs one benchmark from bench/ (it prints its figure and a baseline). */
export async function runBench(args: string[]): Promise<number> {
  // Imported on demand: benchmarks pull in clients the other commands never need.
  const { benches } = await import('@skiff/bench');
  const [name, ...rest] = args;
  const names = Object.keys(benches).sort();
  const list = `benchmarks: ${names.join(', ') || '(none yet)'}`;
  if (!name) {
    console.log(`usage: ./skiff bench <name> [args]\n${list}`);
    return 0;
  }
  if (!(name in benches)) throw new UsageError(`unknown benchmark "${name}"; ${list}`);
  await benches[name](rest);
  return 0;
}
