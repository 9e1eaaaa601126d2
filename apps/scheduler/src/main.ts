/**
 * Process entry: `node apps/scheduler/src/main.ts --kubeconfig=PATH [--leader-elect=true]
 * [--metrics-port=10259] [--parallelism=16]`. SIGTERM/SIGINT stop gracefully (release the
 * lease, let bindings in flight finish) and exit 0; losing leadership exits 1.
 */
import { runComponentMain } from '@skiff/log';
import { schedulerComponent } from './component.ts';

await runComponentMain(schedulerComponent);
