/** `skiff bench <name> [args]`: runs one benchmark from bench/ (it prints its figure and a baseline). */
export async function runBench(args: string[]): Promise<number> {
  // Imported on demand: benchmarks pull in clients the other commands never need.
  const { benches } = await import('@skiff/bench');
  const [name, ...rest] = args;
  const names = Object.keys(benches).sort();
  if (!name || !(name in benches)) {
    if (name) console.error(`skiff bench: unknown benchmark "${name}"`);
    console.error(`usage: skiff bench <name> [args]\nbenchmarks: ${names.join(', ') || '(none yet)'}`);
    return name ? 2 : 0;
  }
  await benches[name](rest);
  return 0;
}
