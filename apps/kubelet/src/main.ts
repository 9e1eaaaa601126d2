/** `node apps/kubelet/src/main.ts --kubeconfig=PATH --hollow-nodes=N ...`: hollow nodes in one process. */
import { FlagError, parseKubeletFlags, type KubeletConfig } from './config.ts';
import { run } from './index.ts';

let config: KubeletConfig;
try {
  config = parseKubeletFlags(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof FlagError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}

const controller = new AbortController();
// SIGTERM/SIGINT: stop heartbeating and exit; the Nodes stay registered (and go NotReady).
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => controller.abort());
}
try {
  await run(config, controller.signal);
  process.exit(0);
} catch (err) {
  process.stderr.write(`kubelet: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
}
