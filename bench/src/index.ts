import { runApiBench } from './api-bench.ts';
import { runScaleBench } from './scale-bench.ts';

/** Every benchmark `./skiff bench <name>` can run; each prints its figure beside a baseline. */
export const benches: Record<string, (args: string[]) => Promise<void>> = {
  api: runApiBench,
  scale: runScaleBench,
};
