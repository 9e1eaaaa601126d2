import { runApiBench } from './api-bench.ts';
import { runFootprintBench } from './footprint.ts';
import { runIngressBench } from './ingress.ts';
import { runNetpolBench } from './netpol.ts';
import { runPodstartBench } from './podstart.ts';
import { runProxyBench } from './proxy.ts';
import { runScaleBench } from './scale-bench.ts';

/** Every benchmark `./skiff bench <name>` can run; each prints its figure beside a baseline. */
export const benches: Record<string, (args: string[]) => Promise<void>> = {
  api: runApiBench,
  footprint: runFootprintBench,
  ingress: runIngressBench,
  netpol: runNetpolBench,
  podstart: runPodstartBench,
  proxy: runProxyBench,
  scale: runScaleBench,
};
