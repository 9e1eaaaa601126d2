/**
 * Process entry: `node apps/controller-manager/src/main.ts --kubeconfig=PATH [--leader-elect=true] ...`.
 * SIGTERM/SIGINT stop the controllers, release the lease and exit 0; losing the lease
 * also exits 0 after logging, so a supervisor's fresh process campaigns again.
 */
import { runComponentMain } from '@skiff/log';
import { controllerManagerComponent } from './component.ts';

await runComponentMain(controllerManagerComponent);
